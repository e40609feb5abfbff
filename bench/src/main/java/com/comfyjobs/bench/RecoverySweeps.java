package com.comfyjobs.bench;

import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.job.redis.LuaScript;
import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisKeys;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.progress.Finalizer;
import com.comfyjobs.recovery.RecoveryService;
import com.comfyjobs.recovery.RecoverySummary;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.comfyjobs.submit.Dispatcher;
import com.comfyjobs.submit.InputStaging;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * The scheduled recovery sweep over all 16 shards with many active jobs, of which none, some or many
 * are stale: ComfyUI lost them on their last attempt, so each is looked up and failed. The raw limit
 * per stale job is one bare GET /history plus one EVALSHA of transition.lua at the same per-server
 * concurrency; with nothing stale it is one bare range query per shard (target: under 100 ms).
 */
final class RecoverySweeps {
    private RecoverySweeps() {
    }

    static List<Row> run(boolean quick) throws Exception {
        int active = quick ? 20_000 : 1_000_000;
        int[] staleCounts = quick ? new int[] {0, 200, 2_000} : new int[] {0, 1_000, 100_000};
        List<Row> rows = new ArrayList<>();
        try (RedisNode redis = RedisNode.standalone();
             ComfyUiSimulator sim = ComfyUiSimulator.builder().port(0).build().start()) {
            RedisJobStore store = RedisJobStore.connect(RedisSettings.of(redis.uri(), false));
            store.prime();
            ServiceSettings settings = ServiceSettings.defaults();
            ComfyUiPool pool = new ComfyUiPool(ComfyUiSettings.of(List.of(sim.baseUri())), Clock.systemUTC());
            // the stale jobs are at their last attempt: recovery gives them up and sends nothing, so no input is staged
            Dispatcher dispatcher = new Dispatcher(store, pool, new InputStaging(pool, null), settings, Clock.systemUTC(), JobObserver.NONE);
            RecoveryService recovery = new RecoveryService(store, pool, dispatcher, new Finalizer(store, pool, null, Clock.systemUTC(),
                    JobObserver.NONE), settings, Clock.systemUTC(), JobObserver.NONE);
            // each run also reads every server's /queue beside the sweep (the per-server load metrics); the HTTP client's
            // first exchange in this JVM (about a second cold) is not what the rows measure
            pool.client(sim.baseUrl()).queue();
            // the live jobs that are not stale: a heartbeat far ahead keeps them out of every sweep, however long seeding takes
            seed(store, active, Instant.now().plus(Duration.ofDays(1)), sim.baseUrl(), settings.maxAttempts());
            for (int stale : staleCounts) {
                // the previous round's stale jobs failed, so each round starts with exactly its own
                List<Job> staleJobs = seed(store, stale, Instant.now().minusSeconds(600), sim.baseUrl(), settings.maxAttempts());
                long t0 = System.nanoTime();
                RecoverySummary s = recovery.run(Instant.now().plusSeconds(600));
                double ms = (System.nanoTime() - t0) / 1e6;
                if (s.scanned.get() != stale || s.failed.get() != stale) {
                    throw new IllegalStateException("sweep over " + stale + " stale jobs did " + s);
                }
                double raw = rawReconcile(store, sim, staleJobs, stale == 0);
                rows.add(new Row("recovery", String.format("sweep, %,d active, %,d stale", active + stale, stale), "ms", ms, raw,
                        stale == 0 ? "16 bare ZRANGEBYSCORE (one per shard)" : "per stale job: bare GET /history + EVALSHA, " + RecoveryService.PER_SERVER + " per server",
                        stale == 0 ? "target: < 100 ms" : String.format("%.0f stale jobs/s", stale / (ms / 1000))));
            }
            store.close();
        }
        return rows;
    }

    /** Jobs ComfyUI accepted and then lost (their prompts are in neither queue nor history), on their last attempt. */
    private static List<Job> seed(RedisJobStore store, int n, Instant heartbeat, String server, int attempt) throws Exception {
        List<Job> jobs = new ArrayList<>(n);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<Job>> fs = new ArrayList<>();
        Workflow wf = BenchWorkflows.standard();
        for (int i = 0; i < n; i++) {
            final int k = i;
            fs.add(pool.submit(() -> {
                String id = PromptIds.newJobId();
                Job j = Job.queued(id, "bench-" + (k % 1000), JobType.IMAGE_GENERATION, heartbeat).attempt(attempt)
                        .promptId(PromptIds.of(id, attempt)).comfyServer(server).submittedAt(heartbeat).nodeCount(7).build();
                store.create(new NewJob(j, wf, Integer.MAX_VALUE, null));
                return j;
            }));
        }
        for (Future<Job> f : fs) {
            jobs.add(f.get());
        }
        pool.shutdown();
        return jobs;
    }

    private static double rawReconcile(RedisJobStore store, ComfyUiSimulator sim, List<Job> jobs, boolean none) throws Exception {
        RedisConnection c = store.connection();
        RedisKeys keys = new RedisKeys("cj", 16);
        long t0 = System.nanoTime();
        if (none) {
            for (int s = 0; s < 16; s++) {
                c.await(c.commands().zrangebyscore(keys.active(s), Range.create(0d, 1d), Limit.create(0, 200)));
            }
            return (System.nanoTime() - t0) / 1e6;
        }
        ComfyUiSettings cs = ComfyUiSettings.of(List.of(sim.baseUri()));
        ComfyUiClient client = new ComfyUiClient(sim.baseUri(), ComfyUiClient.httpClient(cs), cs);
        LuaScript transition = LuaScript.load("transition.lua");
        ExecutorService pool = Executors.newFixedThreadPool(16);
        Semaphore perServer = new Semaphore(RecoveryService.PER_SERVER);
        List<Future<?>> fs = new ArrayList<>();
        String spec = "{\"now\":\"" + Instant.now().toEpochMilli() + "\",\"retentionMs\":86400000}";
        for (Job j : jobs) {
            fs.add(pool.submit(() -> {
                perServer.acquireUninterruptibly();
                try {
                    client.history(j.promptId());
                } finally {
                    perServer.release();
                }
                int s = keys.shardOf(j.id());
                return c.await(c.commands().evalsha(transition.sha(), ScriptOutputType.MULTI, new String[] {keys.job(j.id()),
                        keys.workflow(j.id()), keys.active(s), keys.counts(s), keys.ended(s), keys.event(j.id(), null), keys.outbox(s)}, spec));
            }));
        }
        t0 = System.nanoTime();
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        return (System.nanoTime() - t0) / 1e6;
    }
}
