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
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.DoubleSupplier;

/**
 * The scheduled recovery sweep over every shard with many active jobs, of which none, some or many are
 * stale: ComfyUI lost them on their last attempt, so each is looked up and failed. Two raw limits for
 * stale jobs: the bare EVALSHAs of transition.lua that fail them, sent as the sweep sends them (shard
 * by shard, up to 200 of one shard written back to back, then awaited, on the same connection), and the former per-job limit, one
 * bare GET /history plus one EVALSHA at the same per-server concurrency. With nothing stale the limit is
 * one bare range query per shard (target: under 100 ms).
 */
final class RecoverySweeps {
    private static final ObjectMapper JSON = new ObjectMapper();

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
            int shards = store.shardCount();
            // one unmeasured sweep over a few stale jobs first: the first one loads and compiles the whole path
            seed(store, 200, Instant.now().minusSeconds(600), sim.baseUrl(), settings.maxAttempts());
            recovery.run(Instant.now().plusSeconds(600));
            for (int stale : staleCounts) {
                // the previous round's stale jobs failed, so each round starts with exactly its own
                List<Job> staleJobs = seed(store, stale, Instant.now().minusSeconds(600), sim.baseUrl(), settings.maxAttempts());
                if (stale == 0) {
                    // a few milliseconds either way: the median of several runs after a first one that loads and compiles the code
                    rows.add(new Row("recovery", String.format("sweep, %,d active, 0 stale", active), "ms",
                            median(() -> sweepNothingStale(recovery)), median(() -> bareRangeQueries(store)),
                            shards + " bare ZRANGEBYSCORE (one per shard)", "target: < 100 ms; median of " + RUNS + " after a warm-up"));
                    continue;
                }
                long t0 = System.nanoTime();
                RecoverySummary s = recovery.run(Instant.now().plusSeconds(600));
                double ms = (System.nanoTime() - t0) / 1e6;
                if (s.scanned.get() != stale || s.failed.get() != stale) {
                    throw new IllegalStateException("sweep over " + stale + " stale jobs did " + s);
                }
                String name = String.format("sweep, %,d active, %,d stale", active + stale, stale);
                String rate = String.format("%.0f stale jobs/s", stale / (ms / 1000));
                // twins of the stale jobs, failed by bare scripts: the writes the sweep needed, and nothing else
                List<Job> twins = seed(store, stale, Instant.now().minusSeconds(600), sim.baseUrl(), settings.maxAttempts());
                rows.add(new Row("recovery", name, "ms", ms, bareEvalshas(store, twins, settings),
                        "the bare EVALSHAs failing them, batched as the sweep does (up to " + BATCH + " of one shard back to back, then awaited), same connection", rate));
                rows.add(new Row("recovery", name + ", per-job limit", "ms", ms, perJobLookups(store, sim, staleJobs),
                        "per stale job: bare GET /history + EVALSHA, " + RecoveryService.PER_SERVER + " per server", rate));
            }
            store.close();
        }
        return rows;
    }

    private static final int RUNS = 9;

    private static double sweepNothingStale(RecoveryService recovery) {
        long t0 = System.nanoTime();
        RecoverySummary s = recovery.run(Instant.now().plusSeconds(600));
        double ms = (System.nanoTime() - t0) / 1e6;
        if (s.scanned.get() != 0) {
            throw new IllegalStateException("a sweep with nothing stale did " + s);
        }
        return ms;
    }

    private static double median(DoubleSupplier run) {
        run.getAsDouble();
        double[] ms = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            ms[i] = run.getAsDouble();
        }
        Arrays.sort(ms);
        return ms[RUNS / 2];
    }

    /** The sweep's batch size: the stale range is read, and its writes sent, this many jobs at a time. */
    private static final int BATCH = 200;

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
                return store.create(new NewJob(j, wf, Integer.MAX_VALUE, null)).job();
            }));
        }
        for (Future<Job> f : fs) {
            jobs.add(f.get());
        }
        pool.shutdown();
        return jobs;
    }

    private static double bareRangeQueries(RedisJobStore store) {
        RedisConnection c = store.connection();
        RedisKeys keys = new RedisKeys("cj", store.shardCount());
        long t0 = System.nanoTime();
        for (int s = 0; s < store.shardCount(); s++) {
            c.await(c.commands().zrangebyscore(keys.active(s), Range.create(0d, 1d), Limit.create(0, BATCH)));
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    /** transition.lua failing each job as recovery's settle does (attempt and unchanged-since guards, error, the job returned). */
    private static double bareEvalshas(RedisJobStore store, List<Job> jobs, ServiceSettings settings) throws Exception {
        RedisConnection c = store.connection();
        RedisKeys keys = new RedisKeys("cj", store.shardCount());
        LuaScript transition = LuaScript.load("transition.lua");
        String error = JSON.createObjectNode().put("type", "lost").put("message", "ComfyUI lost the job 3 times (restarts); giving up")
                .toString();
        List<String[]> keysOf = new ArrayList<>(jobs.size());
        List<String> specs = new ArrayList<>(jobs.size());
        for (Job j : jobs) {
            int s = keys.shardOf(j.id());
            keysOf.add(new String[] {keys.job(j.id()), keys.workflow(j.id()), keys.active(s), keys.counts(s), keys.ended(s),
                    keys.event(j.id(), null), keys.outbox(s), keys.listeners(s), keys.listenerExpiry(s), keys.owedPushes(s)});
            ObjectNode spec = JSON.createObjectNode().put("op", UUID.randomUUID().toString()).put("now", Long.toString(Instant.now().toEpochMilli()))
                    .put("retentionMs", settings.retention().toMillis()).put("expectAttempt", j.attempt())
                    .put("expectUpdated", Long.toString(j.updatedAt().toEpochMilli())).put("status", "failed").put("error", error)
                    .put("returnJob", true);
            specs.add(JSON.writeValueAsString(spec));
        }
        // batched as the sweep batches them: shard by shard, at most BATCH of one shard at a time
        Map<Integer, List<Integer>> byShard = new TreeMap<>();
        for (int i = 0; i < jobs.size(); i++) {
            byShard.computeIfAbsent(keys.shardOf(jobs.get(i).id()), s -> new ArrayList<>()).add(i);
        }
        long t0 = System.nanoTime();
        for (List<Integer> shard : byShard.values()) {
            for (int from = 0; from < shard.size(); from += BATCH) {
                List<CompletableFuture<List<Object>>> sent = new ArrayList<>();
                for (int i : shard.subList(from, Math.min(shard.size(), from + BATCH))) {
                    sent.add(transition.call(c.commands(), ScriptOutputType.MULTI, keysOf.get(i), specs.get(i)));
                }
                for (CompletableFuture<List<Object>> f : sent) {
                    if (!"applied".equals(c.await(f).get(0))) {
                        throw new IllegalStateException("a bare transition was not applied");
                    }
                }
            }
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double perJobLookups(RedisJobStore store, ComfyUiSimulator sim, List<Job> jobs) throws Exception {
        RedisConnection c = store.connection();
        RedisKeys keys = new RedisKeys("cj", store.shardCount());
        ComfyUiSettings cs = ComfyUiSettings.of(List.of(sim.baseUri()));
        ComfyUiClient client = new ComfyUiClient(sim.baseUri(), ComfyUiClient.httpClient(cs), cs);
        LuaScript transition = LuaScript.load("transition.lua");
        ExecutorService pool = Executors.newFixedThreadPool(16);
        Semaphore perServer = new Semaphore(RecoveryService.PER_SERVER);
        List<Future<?>> fs = new ArrayList<>();
        String spec = "{\"now\":\"" + Instant.now().toEpochMilli() + "\",\"retentionMs\":86400000}";
        long t0 = System.nanoTime();
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
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        return (System.nanoTime() - t0) / 1e6;
    }
}
