package com.comfyjobs.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.artifacts.ArtifactSettings;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.config.Env;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ServiceHarness.MovableClock;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Two workers (two Lambda containers, each with its own Redis connection) over one job, with real
 * threads, a real redis-server and the simulator. Worker A takes the dispatch lease and is paused
 * past its end while it looks the prompt up on ComfyUI (as a frozen container or a long GC pause
 * would); worker B takes the job over meanwhile. Exactly one of them may send the prompt.
 */
class DispatchLeaseIT {
    private static final Duration LEASE = Duration.ofSeconds(6);

    @Test
    void aWorkerWhoseLeaseRanOutMidFlightNeverSendsWhatAnotherWorkerTookOver() throws Exception {
        try (RedisNode redis = RedisNode.standalone();
             ComfyUiSimulator sim = ComfyUiSimulator.builder().port(0).stepMillis(5).build().start()) {
            sim.faults().holdQueue(true);
            MovableClock clock = new MovableClock();
            ServiceSettings settings = ServiceSettings.fromEnv(new Env(Map.of("DISPATCH_LEASE_SECONDS", Long.toString(LEASE.toSeconds()))));
            ComfyUiSettings comfy = ComfyUiSettings.of(List.of(sim.baseUri())).withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(1));
            RedisSettings rs = RedisSettings.of(redis.uri(), false);
            try (RedisJobStore storeA = RedisJobStore.connect(rs); RedisJobStore storeB = RedisJobStore.connect(rs);
                 ArtifactStore unusedBucket = ArtifactStore.create(ArtifactSettings.of("unused-bucket", URI.create("http://127.0.0.1:9")),
                         StaticCredentialsProvider.create(AwsBasicCredentials.create("unused", "unused")))) {
                // a job whose first submission did not complete: its server is known, ComfyUI never heard of it
                Job job = JobFixtures.queued("u", clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS)).toBuilder()
                        .comfyServer(sim.baseUrl()).build();
                storeA.create(new NewJob(job, JobFixtures.defaultWorkflow(), 10, null));
                ComfyUiPool poolA = new ComfyUiPool(comfy, clock);
                ComfyUiPool poolB = new ComfyUiPool(comfy, clock);
                // the job has no input images: staging asks ComfyUI's /object_info and never the bucket
                Dispatcher a = new Dispatcher(storeA, poolA, new InputStaging(poolA, unusedBucket), settings, clock, JobObserver.NONE);
                Dispatcher b = new Dispatcher(storeB, poolB, new InputStaging(poolB, unusedBucket), settings, clock, JobObserver.NONE);

                // every ComfyUI answer takes 300 ms: A's look-up (history, queue, history) takes 900 ms
                sim.faults().slowResponses(Duration.ofMillis(300));
                CompletableFuture<DispatchResult> workerA = CompletableFuture.supplyAsync(() -> a.resume(job));
                awaitLeased(storeA, job.id());
                // A is paused past the end of its lease; B finds the job free and takes it
                clock.advance(LEASE.plusSeconds(1));
                Thread.sleep(100);
                DispatchResult byB = b.resume(storeB.findById(job.id()).orElseThrow());
                DispatchResult byA = workerA.get();

                assertEquals(List.of(job.promptId()), sim.submittedPrompts(), "sent once: A " + byA + ", B " + byB);
                assertEquals(DispatchResult.Outcome.SUBMITTED, byB.outcome(), byB.toString());
                Job after = storeB.findById(job.id()).orElseThrow();
                assertTrue(after.isSubmitted());
                assertNull(after.leaseUntil(), "B's lease ended with its submission, A freed nothing of B's");
            }
        }
    }

    private static void awaitLeased(JobStore store, String jobId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (store.findById(jobId).orElseThrow().leaseUntil() == null) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("worker A never took the lease");
            }
            Thread.sleep(5);
        }
    }
}
