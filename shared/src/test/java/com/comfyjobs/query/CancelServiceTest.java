package com.comfyjobs.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.simulator.engine.PromptFate;
import com.comfyjobs.submit.DispatchResult;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ServiceHarness;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** DELETE /jobs/{id} as the service sees it, against the simulator's queue. */
class CancelServiceTest {
    private ServiceHarness h;

    @BeforeEach
    void start() {
        h = ServiceHarness.start();
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private Job pending() {
        h.sim.faults().holdQueue(true);
        return h.submit("u", ServiceHarness.quick());
    }

    private void moveTo(Job job, JobStatus status) {
        assertTrue(h.store.transition(Transition.of(job.id(), h.clock.instant()).status(status).build()).applied());
    }

    @Test
    void aPendingJobIsTakenOutOfComfyUisQueueAndCanceledAtOnce() {
        Job job = pending();

        Job canceled = h.cancel.cancel("u", job.id());

        assertEquals(JobStatus.CANCELED, canceled.status());
        assertEquals(JobStatus.CANCELED, h.stored(job.id()).status());
        assertEquals(List.of(PromptFate.REMOVED), h.awaitEnded(job));
        assertEquals(0, h.sim.executionCount(job.promptId()));
    }

    @Test
    void aRunningJobIsInterruptedAndCanceledWhenComfyUiConfirms() {
        Job job = h.submit("u", ServiceHarness.slow());
        h.awaitRunning(job);

        Job asked = h.cancel.cancel("u", job.id());

        assertTrue(asked.cancelRequested());
        assertFalse(asked.isTerminal(), "canceled once ComfyUI confirms");
        assertEquals(List.of(PromptFate.INTERRUPTED), h.awaitEnded(job));
        h.deliver("execution_interrupted", ServiceHarness.data(job.promptId()).put("node_id", "3").put("node_type", "KSampler"));
        assertEquals(JobStatus.CANCELED, h.stored(job.id()).status());
    }

    @Test
    void aJobComfyUiFinishedAlreadyIsNotCanceledAndSucceeds() {
        Job job = h.submit("u", ServiceHarness.quick());
        assertEquals(List.of(PromptFate.COMPLETED), h.awaitEnded(job));

        Job asked = h.cancel.cancel("u", job.id());

        assertFalse(asked.isTerminal(), "its success event settles it");
        h.recoverStale();
        assertEquals(JobStatus.SUCCEEDED, h.stored(job.id()).status());
    }

    @Test
    void aCanceledJobIsAnsweredAsItIsWhenAskedAgain() {
        Job job = pending();
        Job first = h.cancel.cancel("u", job.id());

        Job again = h.cancel.cancel("u", job.id());

        assertEquals(first, again);
    }

    @Test
    void aJobThatEndedOtherwiseOrIsSavingItsOutputsCannotBeCanceled() {
        Job succeeded = pending();
        moveTo(succeeded, JobStatus.FINALIZING);
        CancelRefusedException saving = assertThrows(CancelRefusedException.class, () -> h.cancel.cancel("u", succeeded.id()));
        assertTrue(saving.getMessage().contains("outputs are being saved"), saving.getMessage());

        moveTo(succeeded, JobStatus.SUCCEEDED);
        CancelRefusedException done = assertThrows(CancelRefusedException.class, () -> h.cancel.cancel("u", succeeded.id()));
        assertTrue(done.getMessage().contains("succeeded"), done.getMessage());

        Job failed = h.submit("u", ServiceHarness.quick());
        moveTo(failed, JobStatus.FAILED);
        assertThrows(CancelRefusedException.class, () -> h.cancel.cancel("u", failed.id()));
        assertFalse(h.stored(failed.id()).cancelRequested());
    }

    @Test
    void anotherUsersJobAnUnknownIdAndAMalformedIdAreNotFound() {
        Job job = pending();

        assertThrows(JobNotFoundException.class, () -> h.cancel.cancel("someone-else", job.id()));
        assertThrows(JobNotFoundException.class, () -> h.cancel.cancel("u", UUID.randomUUID().toString()));
        assertThrows(JobNotFoundException.class, () -> h.cancel.cancel("u", "not-a-job-id"));
        assertThrows(JobNotFoundException.class, () -> h.cancel.cancel("u", job.id().toUpperCase()));

        assertEquals(job, h.stored(job.id()));
    }

    @Test
    void aJobNothingWasSentForIsCanceledWithoutAskingComfyUi() {
        h.sim.faults().stopListening();
        Job job = h.submit("u", ServiceHarness.quick());

        assertEquals(JobStatus.CANCELED, h.cancel.cancel("u", job.id()).status());
        assertTrue(h.sim.submittedPrompts().isEmpty());
    }

    @Test
    void aCancelWhileTheDispatcherSendsIsHonouredByTheDispatcher() {
        h.sim.faults().holdQueue(true);
        Workflow workflow = ServiceHarness.quick();
        Instant now = h.clock.instant().truncatedTo(ChronoUnit.MILLIS);
        // stored and leased by a submission that is about to send it
        Job job = JobFixtures.queued("u", now).toBuilder().comfyServer(h.sim.baseUrl())
                .leaseOwner("submitting").leaseUntil(now.plusSeconds(30)).build();
        h.store.create(new NewJob(job, workflow, 10, null));
        Job asStored = h.stored(job.id());

        Job asked = h.cancel.cancel("u", job.id());
        assertTrue(asked.cancelRequested());
        assertFalse(asked.isTerminal(), "the dispatcher may still send it");

        // the submission holds the job as it stored it, before the cancel
        DispatchResult sent = h.dispatcher.submitNew(asStored, workflow);

        assertEquals(DispatchResult.Outcome.CANCELED, sent.outcome());
        assertEquals(JobStatus.CANCELED, h.stored(job.id()).status());
        assertEquals(List.of(PromptFate.REMOVED), h.awaitEnded(job), "the prompt it sent was taken back out");
    }

    @Test
    void aDispatcherThatReadsTheCancelSendsNothing() {
        Workflow workflow = ServiceHarness.quick();
        Instant now = h.clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Job job = JobFixtures.queued("u", now).toBuilder().comfyServer(h.sim.baseUrl())
                .leaseOwner("recovery").leaseUntil(now.plusSeconds(30)).build();
        h.store.create(new NewJob(job, workflow, 10, null));
        h.cancel.cancel("u", job.id());

        DispatchResult sent = h.dispatcher.submitNew(h.stored(job.id()), workflow);

        assertEquals(DispatchResult.Outcome.CANCELED, sent.outcome());
        assertEquals(JobStatus.CANCELED, h.stored(job.id()).status());
        assertTrue(h.sim.submittedPrompts().isEmpty());
    }
}
