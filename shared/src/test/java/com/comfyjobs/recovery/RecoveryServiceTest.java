package com.comfyjobs.recovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.comfyui.PromptSubmitResult;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.comfyjobs.simulator.engine.PromptFate;
import com.comfyjobs.submit.Dispatcher;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ServiceHarness;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Recovery carrying out each of its decisions, on the in-memory store against the simulator over
 * HTTP, with S3Proxy where outputs are copied. No webhook is sent: what the store knows of a job is
 * what submission and recovery wrote, as when every webhook of the job was lost.
 */
class RecoveryServiceTest {
    private ServiceHarness h;

    private void start(Map<String, String> env) {
        h = ServiceHarness.start(env);
    }

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private Job running(Job job) {
        h.awaitRunning(job);
        return job;
    }

    /** Moves the job to finalizing as its execution_success webhook does, with ComfyUI refusing its files for now. */
    private Job finalizingWithCopyCutShort(Job job) {
        h.awaitEnded(job);
        h.sim.faults().view404(true);
        h.deliver("execution_success", ServiceHarness.data(job.promptId()));
        h.sim.faults().view404(false);
        Job finalizing = h.stored(job.id());
        assertEquals(JobStatus.FINALIZING, finalizing.status());
        return finalizing;
    }

    private void assertCopied(Job done) throws Exception {
        assertEquals(1, done.artifacts().size(), done.toString());
        JobArtifact a = done.artifacts().get(0);
        assertArrayEquals(Files.readAllBytes(h.comfyFileOf(done, a)), h.s3Object(a.key()));
    }

    @Test
    void aJobComfyUiFinishedUnseenSucceedsWithItsOutputsCopied() throws Exception {
        start(Map.of());
        Job job = h.submit("u", ServiceHarness.quick());
        assertEquals(List.of(PromptFate.COMPLETED), h.awaitEnded(job));

        RecoverySummary s = h.recoverStale();

        Job done = h.stored(job.id());
        assertEquals(JobStatus.SUCCEEDED, done.status(), s.toString());
        assertEquals(1, s.recovered.get(), s.toString());
        assertCopied(done);
        assertEquals(List.of(job.promptId()), h.sim.submittedPrompts(), "nothing was sent again");
    }

    @Test
    void anErrorInHistoryFailsTheJobWithComfyUisReason() {
        start(Map.of());
        h.sim.faults().failNode("KSampler", "RuntimeError", "CUDA out of memory");
        Job job = h.submit("u", ServiceHarness.quick());
        assertEquals(List.of(PromptFate.FAILED), h.awaitEnded(job));

        RecoverySummary s = h.recoverStale();

        Job failed = h.stored(job.id());
        assertEquals(JobStatus.FAILED, failed.status(), s.toString());
        assertEquals("execution_error", failed.error().type());
        assertEquals("KSampler", failed.error().nodeType());
        assertTrue(failed.error().message().contains("CUDA out of memory"), failed.error().message());
        assertEquals(1, s.failed.get());
    }

    @Test
    void aPromptInterruptedOnComfyUiWithoutACancelFailsTheJob() {
        start(Map.of());
        Job job = running(h.submit("u", ServiceHarness.slow()));
        h.comfy(h.sim).interrupt(job.promptId());
        assertEquals(List.of(PromptFate.INTERRUPTED), h.awaitEnded(job));

        RecoverySummary s = h.recoverStale();

        Job failed = h.stored(job.id());
        assertEquals(JobStatus.FAILED, failed.status(), s.toString());
        assertEquals("interrupted", failed.error().type());
    }

    @Test
    void aCanceledPromptWhoseInterruptedEventWasLostEndsCanceled() {
        start(Map.of());
        Job job = running(h.submit("u", ServiceHarness.slow()));
        Job asked = h.cancel.cancel("u", job.id());
        assertTrue(asked.cancelRequested() && !asked.isTerminal(), asked.toString());
        assertEquals(List.of(PromptFate.INTERRUPTED), h.awaitEnded(job));

        RecoverySummary s = h.recoverStale();

        assertEquals(JobStatus.CANCELED, h.stored(job.id()).status(), s.toString());
        assertEquals(1, s.canceled.get());
    }

    @Test
    void aRunningJobGetsAFreshHeartbeatAndTurnsRunningWhenItStartedUnseen() {
        start(Map.of());
        Job job = running(h.submit("u", ServiceHarness.slow()));
        assertEquals(JobStatus.QUEUED, job.status(), "no start event arrived");

        RecoverySummary s = h.recoverStale();

        Job alive = h.stored(job.id());
        assertEquals(JobStatus.RUNNING, alive.status(), s.toString());
        assertNotNull(alive.startedAt(), "the runtime limit counts from when recovery saw it run");
        assertTrue(alive.heartbeatAt().isAfter(job.heartbeatAt()));
        assertEquals(1, alive.attempt());
        assertEquals(1, s.recovered.get());
        assertEquals(List.of(job.promptId()), h.sim.submittedPrompts(), "nothing was sent again");
    }

    /**
     * Six stale jobs of one server, more than {@link ServerSnapshots#FROM_STALE_JOBS}: decided from one
     * read of its history and queue, the writes that need nothing else made together, and each ends
     * where the one-by-one lookup would have put it.
     */
    @Test
    void manyStaleJobsOfOneServerEndAsTheyWouldOneByOne() throws Exception {
        start(Map.of("MAX_ATTEMPTS", "1"));
        Job done = h.submit("u", ServiceHarness.quick());
        Job alsoDone = h.submit("u", ServiceHarness.quick());
        Job forgotten = h.submit("u", ServiceHarness.quick());
        h.awaitEnded(done);
        h.awaitEnded(alsoDone);
        h.awaitEnded(forgotten);
        h.sim.faults().evictHistory(forgotten.promptId());
        h.sim.faults().failNode("KSampler", "RuntimeError", "CUDA out of memory");
        Job broken = h.submit("u", ServiceHarness.quick());
        h.awaitEnded(broken);
        h.sim.faults().clear();
        h.sim.faults().holdQueue(true);
        Job waiting = h.submit("u", ServiceHarness.quick());
        Job alsoWaiting = h.submit("u", ServiceHarness.quick());

        RecoverySummary s = h.recoverStale();

        assertCopied(h.stored(done.id()));
        assertEquals(JobStatus.SUCCEEDED, h.stored(alsoDone.id()).status(), s.toString());
        assertEquals("lost", h.stored(forgotten.id()).error().type(), "gone at its last attempt");
        Job failed = h.stored(broken.id());
        assertEquals("execution_error", failed.error().type());
        assertTrue(failed.error().message().contains("CUDA out of memory"), failed.error().message());
        for (Job pending : List.of(waiting, alsoWaiting)) {
            Job alive = h.stored(pending.id());
            assertEquals(JobStatus.QUEUED, alive.status());
            assertTrue(alive.heartbeatAt().isAfter(pending.heartbeatAt()), "alive: no longer stale");
        }
        assertEquals(4, s.recovered.get(), s.toString());
        assertEquals(2, s.failed.get(), s.toString());
        assertEquals(0, s.skipped.get(), s.toString());
        assertEquals(List.of(done.promptId(), alsoDone.promptId(), forgotten.promptId(), broken.promptId(), waiting.promptId(),
                alsoWaiting.promptId()), h.sim.submittedPrompts(), "nothing was sent again");
    }

    @Test
    void aPendingJobGetsAFreshHeartbeatAndStaysQueued() {
        start(Map.of());
        h.sim.faults().holdQueue(true);
        Job job = h.submit("u", ServiceHarness.quick());

        RecoverySummary s = h.recoverStale();

        Job alive = h.stored(job.id());
        assertEquals(JobStatus.QUEUED, alive.status(), s.toString());
        assertTrue(alive.heartbeatAt().isAfter(job.heartbeatAt()));
        assertEquals(1, s.recovered.get());
        assertEquals(List.of(job.promptId()), h.sim.submittedPrompts());
    }

    @Test
    void aPromptLostInARestartIsResubmittedAsTheNextAttempt() {
        start(Map.of());
        Job job = running(h.submit("u", ServiceHarness.slow()));
        h.sim.faults().restart();
        assertEquals(List.of(PromptFate.LOST), h.awaitEnded(job));

        RecoverySummary s = h.recoverStale();

        Job again = h.stored(job.id());
        assertEquals(2, again.attempt(), s.toString());
        assertEquals(JobStatus.QUEUED, again.status());
        assertTrue(again.isSubmitted());
        assertEquals(job.id() + "_2", again.promptId());
        assertEquals(List.of(job.promptId(), again.promptId()), h.sim.submittedPrompts());
        assertEquals(1, s.resubmitted.get());
    }

    @Test
    void aPromptLostAtTheLastAttemptFailsTheJobAsLost() {
        start(Map.of("MAX_ATTEMPTS", "1"));
        h.sim.faults().holdQueue(true);
        Job job = h.submit("u", ServiceHarness.quick());
        h.sim.faults().restart();

        RecoverySummary s = h.recoverStale();

        Job failed = h.stored(job.id());
        assertEquals(JobStatus.FAILED, failed.status(), s.toString());
        assertEquals("lost", failed.error().type());
        assertEquals(List.of(job.promptId()), h.sim.submittedPrompts(), "nothing was sent again");
    }

    @Test
    void aJobOnAServerThatStoppedAnsweringMovesToAnotherAsItsNextAttempt() {
        h = ServiceHarness.start(2, Map.of());
        Job job = running(h.submit("u", ServiceHarness.slow()));
        ComfyUiSimulator gone = h.simOf(job);
        ComfyUiSimulator other = h.sims.get(gone == h.sims.get(0) ? 1 : 0);
        gone.faults().restart();
        gone.faults().stopListening();

        RecoverySummary s = h.recoverStale();

        Job moved = h.stored(job.id());
        assertEquals(2, moved.attempt(), s.toString());
        assertEquals(other.baseUrl(), moved.comfyServer());
        assertTrue(moved.isSubmitted());
        assertEquals(List.of(moved.promptId()), other.submittedPrompts());
        assertEquals(1, s.resubmitted.get());
    }

    @Test
    void aJobOnAServerThatStoppedAnsweringWaitsWhileNoOtherAnswersAndIsFoundAgainAfter() {
        start(Map.of());
        Job job = running(h.submit("u", ServiceHarness.slow()));
        h.sim.faults().stopListening();

        RecoverySummary s = h.recoverStale();

        Job waiting = h.stored(job.id());
        assertEquals(1, waiting.attempt(), s.toString());
        assertEquals(JobStatus.QUEUED, waiting.status());
        assertTrue(waiting.heartbeatAt().isAfter(job.heartbeatAt()), "looked at again only after STALE_AFTER");
        assertEquals(1, s.skipped.get());

        h.sim.faults().startListening();
        RecoverySummary back = h.recoverStale();

        Job alive = h.stored(job.id());
        assertEquals(JobStatus.RUNNING, alive.status(), back.toString());
        assertEquals(1, alive.attempt());
        assertEquals(List.of(job.promptId()), h.sim.submittedPrompts());
    }

    @Test
    void aJobAtItsLastAttemptWaitsForItsServer() {
        start(Map.of("MAX_ATTEMPTS", "1"));
        Job job = running(h.submit("u", ServiceHarness.slow()));
        h.sim.faults().stopListening();

        RecoverySummary s = h.recoverStale();

        Job waiting = h.stored(job.id());
        assertEquals(1, waiting.attempt(), s.toString());
        assertFalse(waiting.isTerminal());
        assertTrue(waiting.heartbeatAt().isAfter(job.heartbeatAt()));
        assertEquals(1, s.skipped.get());
    }

    @Test
    void anOverrunningJobIsInterruptedOnComfyUiAndExpired() {
        start(Map.of());
        Job job = running(h.submit("u", ServiceHarness.slow()));
        h.recoverStale();
        assertEquals(JobStatus.RUNNING, h.stored(job.id()).status());
        h.clock.advance(h.settings.maxRuntime(job.type()).plusSeconds(1));

        RecoverySummary s = h.recover();

        Job expired = h.stored(job.id());
        assertEquals(JobStatus.EXPIRED, expired.status(), s.toString());
        assertEquals("expired", expired.error().type());
        assertEquals(1, s.expired.get());
        assertEquals(List.of(PromptFate.INTERRUPTED), h.awaitEnded(job), "ComfyUI was told to stop");
    }

    @Test
    void aPromptThatNeverStartedWithinItsLimitsIsTakenOutOfTheQueueAndExpired() {
        start(Map.of());
        h.sim.faults().holdQueue(true);
        Job job = h.submit("u", ServiceHarness.quick());
        h.clock.advance(h.settings.maxQueueAge().plus(h.settings.maxRuntime(job.type())).plusSeconds(1));

        RecoverySummary s = h.recover();

        assertEquals(JobStatus.EXPIRED, h.stored(job.id()).status(), s.toString());
        assertEquals(List.of(PromptFate.REMOVED), h.awaitEnded(job));
    }

    @Test
    void aJobNeverGivenAServerExpiresWithoutAskingComfyUi() {
        start(Map.of());
        h.sim.faults().stopListening();
        Job job = h.submit("u", ServiceHarness.quick());
        assertNull(job.comfyServer());
        h.clock.advance(h.settings.maxQueueAge().plus(h.settings.maxRuntime(job.type())).plusSeconds(1));

        RecoverySummary s = h.recover();

        assertEquals(JobStatus.EXPIRED, h.stored(job.id()).status(), s.toString());
        assertTrue(h.sim.submittedPrompts().isEmpty());
    }

    @Test
    void aFinalizationCutShortIsFinished() throws Exception {
        start(Map.of());
        Job job = finalizingWithCopyCutShort(h.submit("u", ServiceHarness.quick()));

        RecoverySummary s = h.recoverStale();

        Job done = h.stored(job.id());
        assertEquals(JobStatus.SUCCEEDED, done.status(), s.toString());
        assertCopied(done);
        assertEquals(1, s.recovered.get());
    }

    @Test
    void anOverrunFinalizationWhoseOutputsComfyUiStillHasIsFinished() throws Exception {
        start(Map.of());
        Job job = finalizingWithCopyCutShort(h.submit("u", ServiceHarness.quick()));
        h.clock.advance(h.settings.maxRuntime(job.type()).plusSeconds(1));

        RecoverySummary s = h.recover();

        Job done = h.stored(job.id());
        assertEquals(JobStatus.SUCCEEDED, done.status(), s.toString());
        assertCopied(done);
    }

    @Test
    void anOverrunFinalizationWhoseOutputsComfyUiForgotExpires() {
        start(Map.of());
        Job job = finalizingWithCopyCutShort(h.submit("u", ServiceHarness.quick()));
        h.sim.faults().evictHistory(job.promptId());
        h.clock.advance(h.settings.maxRuntime(job.type()).plusSeconds(1));

        RecoverySummary s = h.recover();

        assertEquals(JobStatus.EXPIRED, h.stored(job.id()).status(), s.toString());
        assertEquals(1, s.expired.get());
    }

    @Test
    void aFinalizationWhoseOutputsComfyUiForgotIsRunAgain() {
        start(Map.of());
        Job job = finalizingWithCopyCutShort(h.submit("u", ServiceHarness.quick()));
        h.sim.faults().evictHistory(job.promptId());

        RecoverySummary s = h.recoverStale();

        Job again = h.stored(job.id());
        assertEquals(2, again.attempt(), s.toString());
        assertEquals(JobStatus.QUEUED, again.status());
        assertEquals(List.of(job.promptId(), again.promptId()), h.sim.submittedPrompts());
        assertEquals(1, s.resubmitted.get());
    }

    @Test
    void aFinalizationWhoseOutputsComfyUiForgotIsCanceledWithoutRunningAgainWhenACancelWasAsked() {
        start(Map.of());
        Job job = h.submit("u", ServiceHarness.quick());
        h.awaitEnded(job);
        // the cancel arrived just before ComfyUI's success: too late to stop the prompt, and a finalizing job is not canceled
        h.store.transition(Transition.of(job.id(), h.clock.instant()).requestCancel().build());
        Job finalizing = finalizingWithCopyCutShort(job);
        assertTrue(finalizing.cancelRequested());
        h.sim.faults().evictHistory(job.promptId());

        RecoverySummary s = h.recoverStale();

        Job ended = h.stored(job.id());
        assertEquals(JobStatus.CANCELED, ended.status(), s.toString());
        assertEquals(List.of(job.promptId()), h.sim.submittedPrompts(), "the work the caller canceled is not run again");
        assertEquals(1, s.canceled.get());
    }

    @Test
    void aJobComfyUiNeverAcceptedIsSubmittedOnceItIsBackAndThenSucceeds() throws Exception {
        start(Map.of());
        h.sim.faults().stopListening();
        Job job = h.submit("u", ServiceHarness.quick());
        assertFalse(job.isSubmitted());
        h.sim.faults().startListening();

        RecoverySummary s = h.recoverStale();

        Job sent = h.stored(job.id());
        assertTrue(sent.isSubmitted(), s.toString());
        assertEquals(h.sim.baseUrl(), sent.comfyServer());
        assertEquals(List.of(job.promptId()), h.sim.submittedPrompts());
        assertEquals(1, s.resubmitted.get());

        h.awaitEnded(sent);
        h.recoverStale();
        Job done = h.stored(job.id());
        assertEquals(JobStatus.SUCCEEDED, done.status());
        assertCopied(done);
        assertEquals(List.of(job.promptId()), h.sim.submittedPrompts(), "submitted exactly once");
    }

    @Test
    void aSubmissionWhoseAnswerWasLostIsFoundOnComfyUiAndNotSentAgain() {
        start(Map.of());
        h.sim.faults().holdQueue(true);
        Workflow workflow = ServiceHarness.quick();
        Job job = JobFixtures.queued("u", h.clock.instant().truncatedTo(ChronoUnit.MILLIS)).toBuilder().comfyServer(h.sim.baseUrl()).build();
        h.store.create(new NewJob(job, workflow, 10, null));
        assertInstanceOf(PromptSubmitResult.Accepted.class, h.comfy(h.sim).submit(job.promptId(), Dispatcher.CLIENT_ID, workflow, Map.of()),
                "ComfyUI has it; the answer never reached the store");

        RecoverySummary s = h.recoverStale();

        assertTrue(h.stored(job.id()).isSubmitted(), s.toString());
        assertEquals(List.of(job.promptId()), h.sim.submittedPrompts(), "sent once");
        assertEquals(1, s.recovered.get());
    }

    @Test
    void aNeverConfirmedJobWhoseServerStoppedAnsweringIsSentToAnotherAsItsNextAttempt() {
        h = ServiceHarness.start(2, Map.of());
        ComfyUiSimulator gone = h.sims.get(0);
        ComfyUiSimulator other = h.sims.get(1);
        Job job = JobFixtures.queued("u", h.clock.instant().truncatedTo(ChronoUnit.MILLIS)).toBuilder().comfyServer(gone.baseUrl()).build();
        h.store.create(JobFixtures.newJob(job));
        gone.faults().stopListening();

        RecoverySummary s = h.recoverStale();

        Job moved = h.stored(job.id());
        assertEquals(2, moved.attempt(), s.toString());
        assertEquals(other.baseUrl(), moved.comfyServer());
        assertTrue(moved.isSubmitted());
        assertEquals(List.of(moved.promptId()), other.submittedPrompts());
    }

    @Test
    void aJobCanceledWhileItsSubmittingRequestDiedIsCanceledNotSent() {
        start(Map.of());
        Instant now = h.clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Job job = JobFixtures.queued("u", now).toBuilder().comfyServer(h.sim.baseUrl())
                .leaseOwner("died-before-sending").leaseUntil(now.plus(h.settings.dispatchLease())).build();
        h.store.create(JobFixtures.newJob(job));
        Job asked = h.cancel.cancel("u", job.id());
        assertFalse(asked.isTerminal(), "its dispatcher might still send it");
        h.clock.advance(h.settings.dispatchLease());

        RecoverySummary s = h.recoverStale();

        assertEquals(JobStatus.CANCELED, h.stored(job.id()).status(), s.toString());
        assertTrue(h.sim.submittedPrompts().isEmpty());
        assertEquals(1, s.canceled.get());
    }

    @Test
    void aCanceledJobWhosePromptIsGoneIsCanceled() {
        start(Map.of());
        h.sim.faults().holdQueue(true);
        Job job = h.submit("u", ServiceHarness.quick());
        h.sim.faults().stopListening();
        Job asked = h.cancel.cancel("u", job.id());
        assertTrue(asked.cancelRequested() && !asked.isTerminal(), "ComfyUI did not answer: " + asked);
        h.sim.faults().restart();
        h.sim.faults().startListening();

        RecoverySummary s = h.recoverStale();

        assertEquals(JobStatus.CANCELED, h.stored(job.id()).status(), s.toString());
        assertEquals(1, s.canceled.get());
    }

    @Test
    void aCanceledJobStillRunningIsInterruptedByRecoveryThenCanceled() {
        start(Map.of());
        Job job = running(h.submit("u", ServiceHarness.slow()));
        h.sim.faults().stopListening();
        h.cancel.cancel("u", job.id());
        h.sim.faults().startListening();

        RecoverySummary stop = h.recoverStale();

        assertFalse(h.stored(job.id()).isTerminal(), "alive until ComfyUI confirms: " + stop);
        assertEquals(List.of(PromptFate.INTERRUPTED), h.awaitEnded(job));
        RecoverySummary s = h.recoverStale();
        assertEquals(JobStatus.CANCELED, h.stored(job.id()).status(), s.toString());
    }

    @Test
    void cleanupStopsAnOrphanOnComfyUiAndFailsIt() {
        start(Map.of());
        Job job = running(h.submit("u", ServiceHarness.slow()));
        h.clock.advance(Duration.ofMinutes(31));

        RecoverySummary s = h.recovery.cleanup(h.clock.instant().plusSeconds(60), Duration.ofMinutes(30));

        Job failed = h.stored(job.id());
        assertEquals(JobStatus.FAILED, failed.status(), s.toString());
        assertEquals("orphaned", failed.error().type());
        assertEquals(List.of(PromptFate.INTERRUPTED), h.awaitEnded(job));
    }
}
