package com.comfyjobs.progress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.artifacts.ArtifactSettings;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.comfyui.HistoryEntry;
import com.comfyjobs.comfyui.Reply;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobOutput;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.servers.FreePorts;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ServiceHarness;
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
 * Copying a finalizing job's outputs from ComfyUI (the simulator, over HTTP) to S3 (S3Proxy), and
 * every way a copy ends short of that.
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
            byte[] made = Files.readAllBytes(h.sim.outputFile(a.filename(), ""));
            assertArrayEquals(made, h.s3Object(a.key()), a.key());
            assertEquals(made.length, a.size());
            assertEquals("image/png", a.contentType());
        }
        assertEquals(2, h.s3Keys().size(), "no preview in S3: " + h.s3Keys());
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
        // ComfyUI saves under any prefix but /view refuses every name with ".." in it
        Job job = finalizing(twoImagesAndTheirPreviews("odd..name"));

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
