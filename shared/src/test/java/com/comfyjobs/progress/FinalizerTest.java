package com.comfyjobs.progress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.artifacts.ArtifactSettings;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.comfyui.GraphHash;
import com.comfyjobs.comfyui.HistoryEntry;
import com.comfyjobs.comfyui.PromptGraph;
import com.comfyjobs.comfyui.Reply;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobFolder;
import com.comfyjobs.job.JobOutput;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.SentGraph;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.servers.FreePorts;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ServiceHarness;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Copying a finalizing job's outputs from ComfyUI (the simulator, over HTTP) to S3 (S3Proxy), every
 * way a copy ends short of that, and the refusal of a run that is not the job's own.
 */
class FinalizerTest {
    private static final Duration BUDGET = Duration.ofSeconds(20);
    private ServiceHarness h;

    @BeforeEach
    void start() {
        h = ServiceHarness.start();
    }

    @AfterEach
    void stop() {
        h.close();
    }

    /** Two images saved, two previewed: ComfyUI lists four files, two of them deliverables. */
    private static Workflow twoImagesAndTheirPreviews(String prefix) {
        return JobFixtures.defaultWorkflow(g -> {
            ((ObjectNode) g.get("3").get("inputs")).put("steps", 1);
            ((ObjectNode) g.get("5").get("inputs")).put("batch_size", 2);
            ((ObjectNode) g.get("9").get("inputs")).put("filename_prefix", prefix);
            ObjectNode preview = g.putObject("10").put("class_type", "PreviewImage");
            preview.putObject("inputs").putArray("images").add("8").add(0);
        });
    }

    /** The job ran to its end on ComfyUI and its execution_success moved it to finalizing; no copy started yet. */
    private Job finalizing(Workflow workflow) {
        Job job = h.submit("u", workflow);
        h.awaitEnded(job);
        return h.store.transition(Transition.of(job.id(), h.clock.instant()).status(JobStatus.FINALIZING).returnJob().build()).job();
    }

    private HistoryEntry history(Job job) {
        return ((Reply.Ok<Optional<HistoryEntry>>) h.comfy(h.sim).history(job.promptId())).value().orElseThrow();
    }

    @Test
    void everyDeliverableOutputIsCopiedByteForByteAndPreviewsAreNot() throws Exception {
        Job job = finalizing(twoImagesAndTheirPreviews("ComfyUI"));
        assertEquals(4, history(job).outputs().size());

        assertEquals(FinalizeOutcome.SUCCEEDED, h.finalizer.finalize(job, BUDGET));

        Job done = h.stored(job.id());
        assertEquals(JobStatus.SUCCEEDED, done.status());
        List<JobOutput> deliverables = history(job).deliverables();
        assertEquals(2, deliverables.size());
        assertEquals(deliverables.stream().map(JobOutput::filename).toList(), done.artifacts().stream().map(JobArtifact::filename).toList());
        for (JobArtifact a : done.artifacts()) {
            byte[] made = Files.readAllBytes(h.comfyFileOf(done, a));
            assertArrayEquals(made, h.s3Object(a.key()), a.key());
            assertEquals(made.length, a.size());
            assertEquals("image/png", a.contentType());
        }
        assertEquals(2, h.s3Keys().size(), "no preview in S3: " + h.s3Keys());
    }

    @Test
    void theJobsOwnRunIsKnownByTheGraphItSentAndTheFolderItSavedIn() {
        Job job = finalizing(twoImagesAndTheirPreviews("../../elsewhere/my-images"));
        HistoryEntry ran = history(job);
        assertEquals(new SentGraph(1, ran.graphSha256()), job.sentGraph(), "history shows the graph the job recorded");
        for (JobOutput o : ran.deliverables()) {
            assertEquals(JobFolder.of(job.id(), 1), o.subfolder());
            assertTrue(o.filename().startsWith("my-images_"), o.filename());
        }

        assertEquals(FinalizeOutcome.SUCCEEDED, h.finalizer.finalize(job, BUDGET));

        assertEquals(2, h.stored(job.id()).artifacts().size());
        assertTrue(h.observed.outputsNotFromThisJob().isEmpty());
    }

    /** The job's folder is no secret: a graph saving into it is still not the job's graph. */
    @Test
    void anotherGraphRunUnderTheJobsPromptIdIsRefusedEvenWhenItSavesIntoTheJobsFolder() {
        Job job = finalizing(ServiceHarness.quick());
        Workflow theirs = JobFixtures.defaultWorkflow(g -> {
            ((ObjectNode) g.get("3").get("inputs")).put("seed", 666).put("steps", 1);
            ((ObjectNode) g.get("9").get("inputs")).put("filename_prefix", JobFolder.of(job.id(), 1) + "/ComfyUI");
        });
        assertEquals(200, h.queueUnderTheJobsPromptId(job, theirs));
        ServiceHarness.await("their prompt to run after the job's", () -> h.sim.fates(job.promptId()).size() == 2);
        assertEquals(JobFolder.of(job.id(), 1), history(job).deliverables().get(0).subfolder());

        assertEquals(FinalizeOutcome.FAILED, h.finalizer.finalize(job, BUDGET));

        Job failed = h.stored(job.id());
        assertEquals(JobStatus.FAILED, failed.status());
        assertEquals(Finalizer.OUTPUTS_NOT_FROM_THIS_JOB, failed.error().type());
        assertTrue(failed.artifacts().isEmpty());
        assertTrue(h.s3Keys().isEmpty(), "nothing copied: " + h.s3Keys());
        assertEquals(List.of(job.id()), h.observed.outputsNotFromThisJob());
    }

    /** A saver that ignores filename_prefix (some custom nodes do) writes elsewhere even in the graph the job sent. */
    @Test
    void outputsOutsideTheJobsFolderAreRefusedEvenFromTheGraphSent() throws Exception {
        Job job = finalizing(ServiceHarness.quick());
        Workflow elsewhere = JobFixtures.defaultWorkflow(g -> {
            ((ObjectNode) g.get("3").get("inputs")).put("seed", 667).put("steps", 1);
            ((ObjectNode) g.get("9").get("inputs")).put("filename_prefix", "elsewhere/ComfyUI");
        });
        assertEquals(200, h.queueUnderTheJobsPromptId(job, elsewhere));
        ServiceHarness.await("the second run", () -> h.sim.fates(job.promptId()).size() == 2);
        SentGraph sent = new SentGraph(1, GraphHash.of(new ObjectMapper().readTree(elsewhere.json())));
        assertEquals(sent.sha256(), history(job).graphSha256());
        Job recorded = h.store.transition(Transition.of(job.id(), h.clock.instant()).sentGraph(sent).returnJob().build()).job();

        assertEquals(FinalizeOutcome.FAILED, h.finalizer.finalize(recorded, BUDGET));

        assertEquals(Finalizer.OUTPUTS_NOT_FROM_THIS_JOB, h.stored(job.id()).error().type());
        assertTrue(h.s3Keys().isEmpty(), "nothing copied: " + h.s3Keys());
    }

    /**
     * The graph recorded belongs to an earlier attempt: the run under the current prompt id is not
     * known to be the job's. Here that earlier graph runs again under the new prompt id, saving
     * nothing (a preview only), so no folder gives it away: only the attempt does.
     */
    @Test
    void aJobWithNoGraphRecordedForItsCurrentAttemptTakesNothing() {
        Workflow workflow = JobFixtures.defaultWorkflow(g -> {
            ((ObjectNode) g.get("3").get("inputs")).put("seed", 668).put("steps", 1);
            g.putObject("9").put("class_type", "PreviewImage").putObject("inputs").putArray("images").add("8").add(0);
        });
        Job job = h.submit("u", workflow);
        h.awaitEnded(job);
        Job second = h.store.transition(Transition.of(job.id(), h.clock.instant()).expectAttempt(1)
                .requeue(2, job.comfyServer(), PromptIds.of(job.id(), 2)).returnJob().build()).job();
        assertEquals(200, h.queueUnderTheJobsPromptId(second, PromptGraph.of(job.id(), 1, workflow).workflow()));
        h.awaitEnded(second);
        Job finalizing = h.store.transition(Transition.of(job.id(), h.clock.instant()).status(JobStatus.FINALIZING).returnJob().build()).job();
        assertEquals(1, finalizing.sentGraph().attempt());

        assertEquals(FinalizeOutcome.FAILED, h.finalizer.finalize(finalizing, BUDGET));

        assertEquals(Finalizer.OUTPUTS_NOT_FROM_THIS_JOB, h.stored(job.id()).error().type());
        assertTrue(h.s3Keys().isEmpty());
    }

    @Test
    void aCopyOutOfTimeLeavesTheJobFinalizingAndTheNextTryFinishesIt() {
        Job job = finalizing(twoImagesAndTheirPreviews("ComfyUI"));
        Finalizer late = new Finalizer(h.store, h.pool, h.artifacts, new SecondPerReading(h.clock.instant()), JobObserver.NONE);

        assertEquals(FinalizeOutcome.INCOMPLETE, late.finalize(job, Duration.ofSeconds(1)));

        Job cut = h.stored(job.id());
        assertEquals(JobStatus.FINALIZING, cut.status());
        assertNull(cut.leaseOwner(), "the next try need not wait for the lease to run out");
        assertEquals(1, h.s3Keys().size(), "one of two outputs copied before the budget ran out");

        assertEquals(FinalizeOutcome.SUCCEEDED, h.finalizer.finalize(cut, BUDGET));
        assertEquals(2, h.stored(job.id()).artifacts().size());
        assertEquals(2, h.s3Keys().size());
    }

    @Test
    void aJobWhoseHistoryComfyUiForgotIsNeverDeclaredSucceeded() {
        Job job = finalizing(ServiceHarness.quick());
        h.sim.faults().evictHistory(job.promptId());

        assertEquals(FinalizeOutcome.OUTPUTS_FORGOTTEN, h.finalizer.finalize(job, BUDGET));

        Job after = h.stored(job.id());
        assertEquals(JobStatus.FINALIZING, after.status());
        assertNull(after.leaseOwner());
        assertTrue(h.s3Keys().isEmpty());
    }

    @Test
    void anOutputComfyUiRefusesToServeFailsTheJob() {
        Job job = finalizing(twoImagesAndTheirPreviews("ComfyUI"));
        h.sim.faults().view403(true);

        assertEquals(FinalizeOutcome.FAILED, h.finalizer.finalize(job, BUDGET));

        Job failed = h.stored(job.id());
        assertEquals(JobStatus.FAILED, failed.status());
        assertEquals("output_unavailable", failed.error().type());
    }

    @Test
    void anOutputComfyUiDoesNotServeYetLeavesTheJobFinalizing() {
        Job job = finalizing(ServiceHarness.quick());
        h.sim.faults().view404(true);

        assertEquals(FinalizeOutcome.INCOMPLETE, h.finalizer.finalize(job, BUDGET));

        assertEquals(JobStatus.FINALIZING, h.stored(job.id()).status());
    }

    @Test
    void comfyUiNotAnsweringLeavesTheJobFinalizing() {
        Job job = finalizing(ServiceHarness.quick());
        h.sim.faults().stopListening();

        assertEquals(FinalizeOutcome.INCOMPLETE, h.finalizer.finalize(job, BUDGET));

        Job after = h.stored(job.id());
        assertEquals(JobStatus.FINALIZING, after.status());
        assertNull(after.leaseOwner());
    }

    @Test
    void s3NotAnsweringLeavesTheJobFinalizing() {
        Job job = finalizing(ServiceHarness.quick());
        URI nowhere = URI.create("http://127.0.0.1:" + FreePorts.any());
        try (ArtifactStore down = ArtifactStore.create(ArtifactSettings.of(h.artifacts.bucket(), nowhere),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s")))) {
            Finalizer finalizer = new Finalizer(h.store, h.pool, down, h.clock, JobObserver.NONE);

            assertEquals(FinalizeOutcome.INCOMPLETE, finalizer.finalize(job, BUDGET));
        }
        Job after = h.stored(job.id());
        assertEquals(JobStatus.FINALIZING, after.status());
        assertNull(after.leaseOwner());
    }

    @Test
    void aJobAnotherFinalizerHoldsIsLeftToIt() {
        Job job = finalizing(ServiceHarness.quick());
        Instant now = h.clock.instant();
        h.store.transition(Transition.of(job.id(), now).acquireLease("another-finalizer", now.plusSeconds(50)).build());

        assertEquals(FinalizeOutcome.SKIPPED, h.finalizer.finalize(job, BUDGET));

        Job after = h.stored(job.id());
        assertEquals(JobStatus.FINALIZING, after.status());
        assertEquals("another-finalizer", after.leaseOwner());
        assertTrue(h.s3Keys().isEmpty());
    }

    @Test
    void aJobNoLongerFinalizingIsLeftAlone() {
        Job job = finalizing(ServiceHarness.quick());
        h.store.transition(Transition.of(job.id(), h.clock.instant()).status(JobStatus.EXPIRED).build());

        assertEquals(FinalizeOutcome.SKIPPED, h.finalizer.finalize(job, BUDGET));

        assertEquals(JobStatus.EXPIRED, h.stored(job.id()).status());
        assertTrue(h.s3Keys().isEmpty());
    }

    /** Time that moves one second each time it is read: a copy's budget runs out after a known number of steps. */
    private static final class SecondPerReading extends Clock {
        private final Instant start;
        private final AtomicLong reads = new AtomicLong();

        SecondPerReading(Instant start) {
            this.start = start;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return start.plusSeconds(reads.getAndIncrement());
        }
    }
}
