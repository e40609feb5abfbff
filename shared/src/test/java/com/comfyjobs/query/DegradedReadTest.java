package com.comfyjobs.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.StateStoreUnavailableException;
import com.comfyjobs.simulator.engine.PromptFate;
import com.comfyjobs.testing.ServiceHarness;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * GET /jobs/{id} while the store is unreachable: the job as ComfyUI shows it, for its owner only,
 * from the prompt's extra data; nothing found there leaves the outage standing.
 */
class DegradedReadTest {
    private ServiceHarness h;
    private final AtomicBoolean down = new AtomicBoolean();
    private JobQueryService query;

    @AfterEach
    void stop() {
        h.close();
    }

    private void start() {
        h = ServiceHarness.start();
        JobStore failing = (JobStore) Proxy.newProxyInstance(JobStore.class.getClassLoader(), new Class<?>[] {JobStore.class},
                (proxy, method, args) -> {
                    if (down.get()) {
                        throw new StateStoreUnavailableException("Redis is unreachable (test)", null);
                    }
                    try {
                        return method.invoke(h.store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        query = new JobQueryService(failing, h.artifacts, () -> h.pool, h.settings.maxAttempts(), h.clock);
    }

    private DegradedJobView degraded(String user, Job job) {
        return (DegradedJobView) query.read(user, job.id());
    }

    @Test
    void aRunningJobIsReadFromComfyUisQueueByItsOwnerAndIsNobodyElses() {
        start();
        Job job = h.submit("alice", ServiceHarness.slow());
        h.awaitRunning(job);
        down.set(true);

        DegradedJobView seen = degraded("alice", job);

        assertEquals(new DegradedJobView(job.id(), JobStatus.RUNNING, null, 1, null), seen);
        assertThrows(JobNotFoundException.class, () -> query.read("mallory", job.id()), "exactly like an unknown id");
        assertThrows(StateStoreUnavailableException.class, () -> query.read("alice", "0d7c7f44-28b6-4a6e-9a53-0a5c6f1e2b3c"));
    }

    @Test
    void aFinishedPromptIsFinalizingUntilTheStoreIsBackAndAFailedOneCarriesComfyUisError() {
        start();
        Job done = h.submit("alice", ServiceHarness.quick());
        assertEquals(List.of(PromptFate.COMPLETED), h.awaitEnded(done));
        down.set(true);

        assertEquals(new DegradedJobView(done.id(), JobStatus.FINALIZING, 1.0, 1, null), degraded("alice", done));
        down.set(false);
        assertEquals(JobView.class, query.read("alice", done.id()).getClass(), "the store answers again at once");
    }

    @Test
    void theNewestAttemptDecides() {
        start();
        h.sim.faults().holdQueue(true);
        Job job = h.submit("alice", ServiceHarness.quick());
        h.sim.faults().restart();
        h.recoverStale();
        Job second = h.stored(job.id());
        assertEquals(2, second.attempt());
        down.set(true);

        assertEquals(new DegradedJobView(job.id(), JobStatus.QUEUED, null, 2, null), degraded("alice", job));
    }

    @Test
    void aJobComfyUiNeverHeardOfLeavesTheOutageStandingAndAnswersAreKeptFiveSeconds() {
        start();
        h.sim.faults().stopListening();
        Job unsent = h.submit("alice", ServiceHarness.quick());
        h.sim.faults().startListening();
        Job running = h.submit("alice", ServiceHarness.slow());
        h.awaitRunning(running);
        down.set(true);

        StateStoreUnavailableException outage = assertThrows(StateStoreUnavailableException.class, () -> query.read("alice", unsent.id()));
        DegradedJobView first = degraded("alice", running);
        h.sim.faults().stopListening();
        assertSame(first, degraded("alice", running), "answered from the last five seconds, ComfyUI not asked");
        h.clock.advance(Duration.ofSeconds(6));
        assertThrows(StateStoreUnavailableException.class, () -> query.read("alice", running.id()), "asked again, and unreachable");
        assertEquals("Redis is unreachable (test)", outage.getMessage());
    }
}
