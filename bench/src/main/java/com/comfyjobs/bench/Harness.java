package com.comfyjobs.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.comfyui.PromptSubmitResult;
import com.comfyjobs.config.Env;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.functions.SubmitJobHandler;
import com.comfyjobs.functions.http.JobJson;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.job.redis.LuaScript;
import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisKeys;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.observability.JsonLog;
import com.comfyjobs.progress.Finalizer;
import com.comfyjobs.progress.WebhookService;
import com.comfyjobs.progress.WebhookVerifier;
import com.comfyjobs.recovery.RecoveryService;
import com.comfyjobs.recovery.RecoverySummary;
import com.comfyjobs.servers.LocalLambdaContext;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.servers.S3Server;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.comfyjobs.submit.Dispatcher;
import com.comfyjobs.testing.CommandCounter;
import io.lettuce.core.ScriptOutputType;
import io.micronaut.context.ApplicationContext;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The measurements JMH does not fit: whole processes, loads with many callers, bulk sweeps, memory. */
final class Harness {
    private static final PrintStream NOWHERE = new PrintStream(OutputStream.nullOutputStream());

    private Harness() {
    }

    // ---- Redis round trips per webhook event and per submit -------------------------------------

    static List<Row> webhookRoundTrips() throws Exception {
        try (RedisNode redis = RedisNode.standalone()) {
            CommandCounter counter = new CommandCounter();
            RedisConnection c = new RedisConnection(RedisSettings.of(redis.uri(), false));
            c.addListener(counter);
            RedisJobStore store = new RedisJobStore(c, Clock.systemUTC());
            store.prime();
            Job j = runningJob(store, Instant.now());
            WebhookService service = new WebhookService(store, WebhookVerifier.fromList(WebhookPathBenchmark.SECRET, "S"), null,
                    new ComfyUiPool(ComfyUiSettings.of(List.of(URI.create("http://127.0.0.1:9"))), Clock.systemUTC()),
                    ServiceSettings.defaults(), Clock.systemUTC(), JobObserver.NONE);
            counter.reset();
            int events = 1000;
            for (int i = 0; i < events; i++) {
                Delivery d = Delivery.signed("{\"event\":\"comfy.progress\",\"data\":{\"type\":\"progress\",\"data\":{\"value\":" + (i % 20)
                        + ",\"max\":20,\"prompt_id\":\"" + j.promptId() + "\",\"node\":\"3\"}}}");
                service.handle(d.body, d.headers);
            }
            double progress = counter.total() / (double) events;
            counter.reset();
            Delivery end = Delivery.signed("{\"event\":\"comfy.execution_error\",\"data\":{\"type\":\"execution_error\",\"data\":{"
                    + "\"prompt_id\":\"" + j.promptId() + "\",\"node_id\":\"3\",\"node_type\":\"KSampler\",\"exception_message\":\"x\"}}}");
            service.handle(end.body, end.headers);
            double terminal = counter.total();
            store.close();
            return List.of(
                    new Row("webhook", "Redis round trips per progress event", "RT", progress, 1, "target: 1", ""),
                    new Row("webhook", "Redis round trips per terminal event", "RT", terminal, 1,
                            "1 (the state change)", "+1: the user's live-job index lives in another slot"));
        }
    }

    private static Job runningJob(JobStore store, Instant now) {
        String id = PromptIds.newJobId();
        Job j = Job.queued(id, "bench", JobType.IMAGE_GENERATION, now).promptId(PromptIds.of(id, 1)).nodeCount(7).submittedAt(now).build();
        store.create(new NewJob(j, Workflows.standard(), 1_000_000, null));
        store.updateStatus(id, JobStatus.RUNNING, now);
        return j;
    }

    record Delivery(byte[] body, Map<String, String> headers) {
        static Delivery signed(String body) throws Exception {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(WebhookPathBenchmark.SECRET.substring(6)), "HmacSHA256"));
            long ts = Instant.now().getEpochSecond();
            String id = "msg_" + System.nanoTime();
            String sig = Base64.getEncoder().encodeToString(mac.doFinal((id + "." + ts + "." + body).getBytes(StandardCharsets.UTF_8)));
            return new Delivery(body.getBytes(StandardCharsets.UTF_8),
                    Map.of("webhook-id", id, "webhook-timestamp", Long.toString(ts), "webhook-signature", "v1," + sig));
        }
    }

    // ---- submit under 32 concurrent callers -------------------------------------------------------

    static List<Row> submit(boolean quick) throws Exception {
        int callers = 32;
        int perCaller = quick ? 20 : 100;
        // the log records are still built (that is our cost); only the console write is left out
        JsonLog.redirect(NOWHERE);
        try (RedisNode redis = RedisNode.standalone();
             ComfyUiSimulator sim = ComfyUiSimulator.builder().port(0).build().start()) {
            sim.faults().holdQueue(true);
            Map<String, String> env = new HashMap<>(Map.of("REDIS_URL", redis.uri().toString(), "COMFYUI_URLS", sim.baseUrl(),
                    "MAX_ACTIVE_JOBS_PER_USER", "100000", "METRICS_ENABLED", "false", "ARTIFACT_BUCKET", "bench-bucket"));
            CommandCounter counter = new CommandCounter();
            ApplicationContext ctx = ApplicationContext.builder().singletons(new Env(env)).start();
            ((RedisJobStore) ctx.getBean(JobStore.class)).connection().addListener(counter);
            ((RedisJobStore) ctx.getBean(JobStore.class)).prime();
            SubmitJobHandler handler = new SubmitJobHandler(ctx);
            String body = "{\"workflow\":" + Workflows.standard().json() + "}";
            LocalLambdaContext lambda = new LocalLambdaContext("SubmitJobFunction", Duration.ofSeconds(25), 1024);
            ComfyUiSettings cs = ComfyUiSettings.of(List.of(sim.baseUri()));
            ComfyUiClient client = new ComfyUiClient(sim.baseUri(), ComfyUiClient.httpClient(cs), cs);
            Workflow wf = Workflows.standard();
            Op oursOp = i -> {
                APIGatewayV2HTTPResponse r = handler.handleRequest(Events.submit(body, "caller-" + (i % callers)), lambda);
                if (r.getStatusCode() != 202) {
                    throw new IllegalStateException("submit answered " + r.getStatusCode() + ": " + r.getBody());
                }
            };
            Op rawOp = i -> {
                if (!(client.submit(PromptIds.newJobId() + "_1", "bench", wf, Map.of()) instanceof PromptSubmitResult.Accepted)) {
                    throw new IllegalStateException("bare POST /prompt failed");
                }
            };
            // both paths, and the simulator's side of them, compiled before either is measured
            load(callers, perCaller / 2, oursOp);
            load(callers, perCaller / 2, rawOp);
            int before = sim.submittedPrompts().size();
            counter.reset();
            long[] ours = load(callers, perCaller, oursOp);
            double rtPerSubmit = counter.total() / (double) (callers * perCaller);
            double comfyPerSubmit = (sim.submittedPrompts().size() - before) / (double) (callers * perCaller);
            long[] raw = load(callers, perCaller, rawOp);
            int alone = quick ? 100 : 1000;
            long[] oursAlone = load(1, alone, oursOp);
            long[] rawAlone = load(1, alone, rawOp);
            ctx.close();
            Percentiles o = new Percentiles(ours);
            Percentiles r = new Percentiles(raw);
            Percentiles o1 = new Percentiles(oursAlone);
            Percentiles r1 = new Percentiles(rawAlone);
            return List.of(
                    new Row("submit", "Redis round trips per submit", "RT", rtPerSubmit, 3, "target: at most 3", ""),
                    new Row("submit", "ComfyUI calls per submit", "calls", comfyPerSubmit, 1, "target: 1", "the pool's load probe is cached"),
                    new Row("submit", "p50, 1 caller, simulator on loopback", "ms", o1.millis(50), r1.millis(50), "bare POST /prompt", ""),
                    new Row("submit", "p99, 1 caller, simulator on loopback", "ms", o1.millis(99), r1.millis(99), "bare POST /prompt", ""),
                    new Row("submit", "p50, 32 callers, simulator on loopback", "ms", o.millis(50), r.millis(50), "bare POST /prompt, same load", ""),
                    new Row("submit", "p99, 32 callers, simulator on loopback", "ms", o.millis(99), r.millis(99), "bare POST /prompt, same load",
                            "aim: < 20 ms"));
        } finally {
            JsonLog.redirect(System.out);
        }
    }

    interface Op {
        void run(int i) throws Exception;
    }

    /** {@code callers} threads doing {@code each} operations as fast as they can; latency of every one. */
    static long[] load(int callers, int each, Op op) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        long[] lat = new long[callers * each];
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < callers; t++) {
            final int caller = t;
            fs.add(pool.submit(() -> {
                go.await();
                for (int k = 0; k < each; k++) {
                    long s = System.nanoTime();
                    op.run(caller + k * callers);
                    lat[caller * each + k] = System.nanoTime() - s;
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        return lat;
    }

    // ---- recovery sweep over many active jobs ----------------------------------------------------------

    static List<Row> recovery(boolean quick) throws Exception {
        int active = quick ? 20_000 : 1_000_000;
        int[] staleCounts = quick ? new int[] {0, 200, 2_000} : new int[] {0, 1_000, 100_000};
        List<Row> rows = new ArrayList<>();
        JsonLog.redirect(NOWHERE);
        try (RedisNode redis = RedisNode.standalone();
             ComfyUiSimulator sim = ComfyUiSimulator.builder().port(0).build().start()) {
            RedisJobStore store = RedisJobStore.connect(RedisSettings.of(redis.uri(), false));
            store.prime();
            ServiceSettings settings = ServiceSettings.defaults();
            ComfyUiPool pool = new ComfyUiPool(ComfyUiSettings.of(List.of(sim.baseUri())), Clock.systemUTC());
            Dispatcher dispatcher = new Dispatcher(store, pool, settings, Clock.systemUTC(), JobObserver.NONE);
            RecoveryService recovery = new RecoveryService(store, pool, dispatcher, new Finalizer(store, pool, null, Clock.systemUTC(),
                    JobObserver.NONE), settings, Clock.systemUTC(), JobObserver.NONE);
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
        } finally {
            JsonLog.redirect(System.out);
        }
        return rows;
    }

    /** Jobs ComfyUI accepted and then lost (their prompts are in neither queue nor history), on their last attempt. */
    private static List<Job> seed(RedisJobStore store, int n, Instant heartbeat, String server, int attempt) throws Exception {
        List<Job> jobs = new ArrayList<>(n);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<Job>> fs = new ArrayList<>();
        Workflow wf = Workflows.standard();
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
                c.await(c.commands().zrangebyscore(keys.active(s), io.lettuce.core.Range.create(0d, 1d), io.lettuce.core.Limit.create(0, 200)));
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
                        keys.workflow(j.id()), keys.active(s), keys.counts(s), keys.ended(s), keys.event(j.id(), null)}, spec));
            }));
        }
        t0 = System.nanoTime();
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        return (System.nanoTime() - t0) / 1e6;
    }

    // ---- Redis memory per job ------------------------------------------------------------------------------

    static List<Row> memory() throws Exception {
        List<Row> rows = new ArrayList<>();
        try (RedisNode redis = RedisNode.standalone()) {
            RedisJobStore store = RedisJobStore.connect(RedisSettings.of(redis.uri(), false));
            RedisKeys keys = new RedisKeys("cj", 16);
            RedisConnection c = store.connection();
            for (Workflow wf : List.of(Workflows.standard(), Workflows.padded(20 * 1024))) {
                String label = wf.json().length() > 10_000 ? "20 KB workflow" : "default workflow (" + wf.json().length() + " B)";
                Instant now = Instant.now();
                String id = PromptIds.newJobId();
                Job j = Job.queued(id, "memory-user", JobType.IMAGE_GENERATION, now).promptId(PromptIds.of(id, 1)).comfyServer("http://gpu-1:8188")
                        .nodeCount(wf.nodeCount()).build();
                store.create(new NewJob(j, wf, 100, null));
                store.transition(Transition.of(id, now).markSubmitted().status(JobStatus.RUNNING)
                        .graph(com.comfyjobs.job.GraphUpdate.running("3", 10, 20)).build());
                long active = usage(c, keys.job(id)) + usage(c, keys.workflow(id));
                Job live = store.findById(id).orElseThrow();
                long rawActive = JobJson.toJson(live).toString().length() + wf.json().length();
                rows.add(new Row("memory", "active job, " + label, "B", active, rawActive, "its JSON + workflow JSON",
                        "job hash + workflow key; indexes add ~100 B"));
                store.updateStatus(id, JobStatus.FINALIZING, now);
                store.transition(Transition.of(id, now).status(JobStatus.SUCCEEDED).artifacts(List.of(new com.comfyjobs.job.JobArtifact(
                        "artifacts/memory-user/" + id + "/1/9/ComfyUI_00001_.png", "ComfyUI_00001_.png", "image/png", 1234567))).build());
                long terminal = usage(c, keys.job(id)) + usage(c, keys.workflow(id));
                long rawTerminal = JobJson.toJson(store.findById(id).orElseThrow()).toString().length();
                rows.add(new Row("memory", "terminal job, " + label, "B", terminal, rawTerminal, "its JSON",
                        "kept for JOB_RETENTION_HOURS; the workflow is dropped, its SHA-256 and size kept"));
            }
            store.close();
        }
        return rows;
    }

    private static long usage(RedisConnection c, String key) {
        Long n = c.await(c.commands().memoryUsage(key));
        return n == null ? 0 : n;
    }

    // ---- a large output streamed to S3 by a JVM with a small heap ------------------------------------------------

    static List<Row> largeOutput(boolean quick, Path benchJar) throws Exception {
        int side = quick ? 4096 : 8192;
        Path dir = Files.createTempDirectory("bench-large-");
        try (ComfyUiSimulator sim = ComfyUiSimulator.builder().port(0).stepMillis(1).nodeMillis(1).outputDir(dir.resolve("out")).build().start();
             S3Server s3 = S3Server.onDisk(Files.createDirectories(dir.resolve("s3")), 0)) {
            try (S3Client admin = S3Client.builder().endpointOverride(s3.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3Server.ACCESS_KEY, S3Server.SECRET_KEY)))
                    .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
                admin.createBucket(b -> b.bucket("bench-large"));
            }
            var wf = Workflows.tree();
            ((com.fasterxml.jackson.databind.node.ObjectNode) wf.get("5").get("inputs")).put("width", side).put("height", side);
            ((com.fasterxml.jackson.databind.node.ObjectNode) wf.get("3").get("inputs")).put("steps", 1);
            ComfyUiSettings cs = ComfyUiSettings.of(List.of(sim.baseUri()));
            ComfyUiClient client = new ComfyUiClient(sim.baseUri(), ComfyUiClient.httpClient(cs), cs);
            String pid = PromptIds.newJobId() + "_1";
            client.submit(pid, "bench", Workflow.parse(wf.toString()), Map.of());
            sim.awaitIdle(Duration.ofMinutes(5));
            String file = client.history(pid).orElse(java.util.Optional.empty()).orElseThrow().deliverables().get(0).filename();
            long size = Files.size(sim.outputFile(file, ""));

            long[] bare = copyInSmallHeap(benchJar, sim, file, s3, "bare");
            long[] ours = copyInSmallHeap(benchJar, sim, file, s3, "ours");
            for (long[] run : List.of(bare, ours)) {
                if (run[0] != size) {
                    throw new IllegalStateException("copied " + run[0] + " of " + size + " bytes");
                }
            }
            double ms = ours[1];
            double rawMs = bare[1];
            double peakMb = ours[2] / (1024.0 * 1024);
            String mb = String.format("%.0f MB", size / (1024.0 * 1024));
            return List.of(
                    new Row("artifact", mb + " output /view -> S3, -Xmx256m", "ms", ms, rawMs, "bare /view body piped into one S3 PutObject, same JVM flags", "completed"),
                    new Row("artifact", mb + " output, peak heap", "MB", peakMb, 256, "the -Xmx limit", "one 8 MB part in memory"));
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
        }
    }

    /** @return bytes copied, milliseconds, peak heap bytes of one copy in a fresh -Xmx256m JVM */
    private static long[] copyInSmallHeap(Path benchJar, ComfyUiSimulator sim, String file, S3Server s3, String mode) throws Exception {
        Process p = new ProcessBuilder("java", "-Xmx256m", "-cp", benchJar.toString(), CopyProbe.class.getName(),
                sim.baseUrl(), file, s3.endpoint().toString(), "bench-large", S3Server.ACCESS_KEY, S3Server.SECRET_KEY, mode)
                .redirectErrorStream(true).start();
        String line = lastLineStarting(p, "COPY ");
        if (p.waitFor() != 0 || line == null) {
            throw new IllegalStateException("the -Xmx256m " + mode + " copy did not complete");
        }
        String[] f = line.split(" ");
        return new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])};
    }

    static String lastLineStarting(Process p, String prefix) throws Exception {
        String found = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith(prefix)) {
                    found = line;
                }
            }
        }
        return found;
    }
}
