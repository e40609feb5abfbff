package com.comfyjobs.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.comfyui.PromptGraph;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.comfyjobs.simulator.engine.PromptFate;
import com.comfyjobs.submit.Dispatcher;
import com.comfyjobs.testing.ServiceHarness;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * COMFYUI_DRAIN against two simulators over HTTP: a drained server gets no new job, no next attempt
 * and no job it never took, while the jobs it has run to their end there (webhooks, recovery's
 * lookups and the copy of outputs all still reach it). Jobs that were on it before the drain are
 * made here as the submit path made them then: stored with the server and sent there.
 */
class DrainedServerTest {
    private ServiceHarness h;

    @AfterEach
    void stop() {
        h.close();
    }

    /** A job given to {@code server} and sent there, as a submit made before the drain did. */
    private Job placedOn(ComfyUiSimulator server, Workflow workflow, boolean send) {
        Instant now = h.clock.instant().truncatedTo(ChronoUnit.MILLIS);
        String id = PromptIds.newJobId();
        Job job = Job.queued(id, "u", JobType.IMAGE_GENERATION, now)
                .comfyServer(server.baseUrl())
                .promptId(PromptIds.of(id, 1))
                .nodeCount(workflow.nodeCount())
                .leaseUntil(now.plus(h.settings.dispatchLease()))
                .leaseOwner(Dispatcher.newLeaseOwner())
                .sentGraph(PromptGraph.of(id, 1, workflow).sent())
                .build();
        h.store.create(new NewJob(job, workflow, h.settings.maxActiveJobs(), null));
        if (send) {
            h.dispatcher.submitNew(job, workflow);
        }
        return h.stored(id);
    }

    @Test
    void newJobsAllGoToTheServerThatIsNotDrained() {
        h = ServiceHarness.startDraining(2, Map.of(), 0);
        ComfyUiSimulator drained = h.sims.get(0);
        ComfyUiSimulator open = h.sims.get(1);
        for (int i = 0; i < 4; i++) {
            Job job = h.submit("u" + i, ServiceHarness.quick());
            assertEquals(open.baseUrl(), job.comfyServer(), "the first server would win the tie of two idle servers");
        }
        assertEquals(List.of(), drained.submittedPrompts());
        assertEquals(4, open.submittedPrompts().size());
    }

    @Test
    void aJobAlreadyOnTheDrainedServerFinishesThere() {
        h = ServiceHarness.startDraining(2, Map.of(), 0);
        ComfyUiSimulator drained = h.sims.get(0);
        Job job = placedOn(drained, ServiceHarness.quick(), true);
        assertTrue(job.isSubmitted());
        assertEquals(1, h.deliver("execution_start", ServiceHarness.data(job.promptId())).applied(), "its webhooks apply");
        assertEquals(List.of(PromptFate.COMPLETED), h.awaitEnded(job));

        RecoverySummary s = h.recoverStale();

        Job done = h.stored(job.id());
        assertEquals(JobStatus.SUCCEEDED, done.status(), s.toString());
        assertEquals(1, done.attempt());
        assertEquals(drained.baseUrl(), done.comfyServer());
        assertFalse(done.artifacts().isEmpty(), "its outputs were copied from the drained server");
        assertEquals(List.of(), h.sims.get(1).submittedPrompts());
    }

    @Test
    void aJobTheDrainedServerLostInARestartIsResubmittedToTheOther() {
        h = ServiceHarness.startDraining(2, Map.of(), 0);
        ComfyUiSimulator drained = h.sims.get(0);
        ComfyUiSimulator open = h.sims.get(1);
        Job job = placedOn(drained, ServiceHarness.slow(), true);
        h.awaitRunning(job);
        drained.faults().restart();
        assertEquals(List.of(PromptFate.LOST), h.awaitEnded(job));

        RecoverySummary s = h.recoverStale();

        Job again = h.stored(job.id());
        assertEquals(2, again.attempt(), s.toString());
        assertEquals(open.baseUrl(), again.comfyServer());
        assertEquals(List.of(again.promptId()), open.submittedPrompts());
        assertEquals(List.of(job.promptId()), drained.submittedPrompts(), "nothing more went to the drained server");
    }

    @Test
    void aJobTheDrainedServerNeverTookGoesToTheOther() {
        h = ServiceHarness.startDraining(2, Map.of(), 0);
        ComfyUiSimulator drained = h.sims.get(0);
        ComfyUiSimulator open = h.sims.get(1);
        Job job = placedOn(drained, ServiceHarness.quick(), false);
        h.clock.advance(h.settings.dispatchLease());

        RecoverySummary s = h.recoverStale();

        Job moved = h.stored(job.id());
        assertEquals(open.baseUrl(), moved.comfyServer(), s.toString());
        assertTrue(moved.isSubmitted());
        assertEquals(List.of(moved.promptId()), open.submittedPrompts());
        assertEquals(List.of(), drained.submittedPrompts());
    }

    @Test
    void withEveryServerDrainedJobsAreAcceptedAndWaitAsWhenNoneAnswers() {
        h = ServiceHarness.startDraining(2, Map.of(), 0, 1);
        Job job = h.submit("u", ServiceHarness.quick());
        assertEquals(JobStatus.QUEUED, job.status());
        assertNull(job.comfyServer());

        RecoverySummary s = h.recoverStale();

        Job waiting = h.stored(job.id());
        assertEquals(JobStatus.QUEUED, waiting.status(), s.toString());
        assertNull(waiting.comfyServer());
        h.sims.forEach(sim -> assertEquals(List.of(), sim.submittedPrompts()));
    }

    @Test
    void aLostJobWaitsRatherThanRunAgainOnItsDrainedServerWhenNoOtherAnswers() {
        h = ServiceHarness.startDraining(2, Map.of(), 0, 1);
        ComfyUiSimulator drained = h.sims.get(0);
        Job job = placedOn(drained, ServiceHarness.slow(), true);
        h.awaitRunning(job);
        drained.faults().restart();
        h.awaitEnded(job);

        RecoverySummary s = h.recoverStale();

        Job waiting = h.stored(job.id());
        assertEquals(1, waiting.attempt(), s.toString());
        assertTrue(waiting.heartbeatAt().isAfter(job.heartbeatAt()), "looked at again after STALE_AFTER");
        assertEquals(List.of(job.promptId()), drained.submittedPrompts());
    }

    @Test
    void eachRecoveryRunReportsEveryServersQueueDrainedOrNotAndOneThatDoesNotAnswer() {
        h = ServiceHarness.startDraining(3, Map.of(), 0);
        ComfyUiSimulator drained = h.sims.get(0);
        ComfyUiSimulator open = h.sims.get(1);
        Job running = placedOn(drained, ServiceHarness.slow(), true);
        h.awaitRunning(running);
        open.faults().holdQueue(true);
        h.submit("a", ServiceHarness.quick());
        h.sims.get(2).faults().stopListening();

        h.recover();

        assertEquals(List.of(drained.baseUrl() + " pending=0 running=1", open.baseUrl() + " pending=1 running=0",
                h.sims.get(2).baseUrl() + " unreachable"), h.observed.serverLoads().stream()
                .sorted((a, b) -> Integer.compare(index(a), index(b))).toList());
        h.recover();
        assertEquals(6, h.observed.serverLoads().size(), "once per server per run");
    }

    private int index(String load) {
        for (int i = 0; i < h.sims.size(); i++) {
            if (load.startsWith(h.sims.get(i).baseUrl() + " ")) {
                return i;
            }
        }
        throw new AssertionError(load);
    }
}
