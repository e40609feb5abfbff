package com.comfyjobs.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobFolder;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.recovery.RecoverySummary;
import com.comfyjobs.simulator.engine.PromptFate;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ServiceHarness;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Someone who can reach ComfyUI reads a job's prompt id from /queue and queues a graph of their own
 * under it (ComfyUI checks prompt ids for nothing), saving into the job's folder, whose name is easy
 * to guess. Every way a job reaches its finalization decides alike: the job fails with
 * outputs_not_from_this_job, never succeeds, and no file of theirs reaches S3.
 */
class HijackedPromptTest {
    private ServiceHarness h;

    @BeforeEach
    void start() {
        h = ServiceHarness.start();
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private static Workflow theirs(Job job) {
        return JobFixtures.defaultWorkflow(g -> {
            ((ObjectNode) g.get("3").get("inputs")).put("seed", 4242).put("steps", 1);
            ((ObjectNode) g.get("9").get("inputs")).put("filename_prefix", JobFolder.of(job.id(), job.attempt()) + "/ComfyUI");
        });
    }

    private void assertRefused(Job job) {
        Job after = h.stored(job.id());
        assertEquals(JobStatus.FAILED, after.status());
        assertEquals(Finalizer.OUTPUTS_NOT_FROM_THIS_JOB, after.error().type());
        assertTrue(after.artifacts().isEmpty());
        assertTrue(h.s3Keys().isEmpty(), "no file of theirs in S3: " + h.s3Keys());
        assertEquals(List.of(job.id()), h.observed.outputsNotFromThisJob());
    }

    /** Theirs is queued ahead of the job's pending prompt and finishes first; its success webhook arrives. */
    @Test
    void throughTheExecutionSuccessWebhook() {
        h.sim.faults().holdQueue(true);
        Job job = h.submit("u", ServiceHarness.slow());
        assertEquals(200, h.queueUnderTheJobsPromptId(job, theirs(job)));
        h.sim.faults().holdQueue(false);
        ServiceHarness.await("their prompt to finish first", () -> h.sim.fates(job.promptId()).contains(PromptFate.COMPLETED));

        h.deliver("execution_success", ServiceHarness.data(job.promptId()));

        assertRefused(job);
        ServiceHarness.await("the job's own prompt, which started after theirs, to be stopped",
                () -> h.sim.fates(job.promptId()).size() == 2);
        assertEquals(PromptFate.INTERRUPTED, h.sim.fates(job.promptId()).get(1));
    }

    /** No webhook at all: recovery finds the prompt finished in history (SETTLE_SUCCEEDED), theirs having run last. */
    @Test
    void throughRecoveryFindingThePromptFinishedInHistory() {
        Job job = h.submit("u", ServiceHarness.quick());
        h.awaitEnded(job);
        assertEquals(200, h.queueUnderTheJobsPromptId(job, theirs(job)));
        ServiceHarness.await("theirs to run after the job's", () -> h.sim.fates(job.promptId()).size() == 2);

        RecoverySummary s = h.recoverStale();

        assertRefused(job);
        assertEquals(1, s.failed.get(), s.toString());
    }

    /** The job turned finalizing, its copy was cut short, and it overran: recovery's last copy (FINISH_OVERRUN) decides the same. */
    @Test
    void throughTheLastCopyOfAnOverrunJob() {
        Job job = h.submit("u", ServiceHarness.quick());
        h.awaitEnded(job);
        assertEquals(200, h.queueUnderTheJobsPromptId(job, theirs(job)));
        ServiceHarness.await("theirs to run after the job's", () -> h.sim.fates(job.promptId()).size() == 2);
        h.store.transition(Transition.of(job.id(), h.clock.instant()).status(JobStatus.FINALIZING).build());
        h.clock.advance(h.settings.maxRuntime(job.type()).plusSeconds(1));

        h.recover();

        assertRefused(job);
    }

    @Test
    void aJobNobodyInterferedWithStillSucceeds() {
        Job job = h.submit("u", ServiceHarness.quick());
        h.awaitEnded(job);

        h.deliver("execution_success", ServiceHarness.data(job.promptId()));

        Job done = h.stored(job.id());
        assertEquals(JobStatus.SUCCEEDED, done.status());
        assertEquals(1, done.artifacts().size());
        assertTrue(h.observed.outputsNotFromThisJob().isEmpty());
    }
}
