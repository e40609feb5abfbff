package com.comfyjobs.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.comfyui.PromptSubmitResult;
import com.comfyjobs.config.Env;
import com.comfyjobs.functions.SubmitJobHandler;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.servers.LocalLambdaContext;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.comfyjobs.testing.CommandCounter;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * POST /jobs through {@code SubmitJobHandler} against a redis-server and the ComfyUI simulator on
 * loopback (its queue held, so it only accepts), by 32 callers at once and then by one: the latency
 * percentiles, and the Redis round trips and ComfyUI calls per submit (targets: at most 3, and 1). The
 * raw limit is a bare POST /prompt to the same simulator at the same concurrency, which every submit
 * must make.
 */
final class SubmitUnderLoad {
    private SubmitUnderLoad() {
    }

    private interface Op {
        void run(int i) throws Exception;
    }

    static List<Row> run(boolean quick) throws Exception {
        int callers = 32;
        int perCaller = quick ? 20 : 100;
        try (RedisNode redis = RedisNode.standalone();
             ComfyUiSimulator sim = ComfyUiSimulator.builder().port(0).build().start()) {
            sim.faults().holdQueue(true);
            Map<String, String> env = new HashMap<>(Map.of("REDIS_URL", redis.uri().toString(), "COMFYUI_URLS", sim.baseUrl(),
                    "MAX_ACTIVE_JOBS_PER_USER", "100000", "METRICS_ENABLED", "false", "ARTIFACT_BUCKET", "bench-bucket",
                    "RAW_WORKFLOWS", "all"));
            CommandCounter counter = new CommandCounter();
            ApplicationContext ctx = ApplicationContext.builder().singletons(new Env(env)).start();
            ((RedisJobStore) ctx.getBean(JobStore.class)).connection().addListener(counter);
            ((RedisJobStore) ctx.getBean(JobStore.class)).prime();
            SubmitJobHandler handler = new SubmitJobHandler(ctx);
            String body = "{\"workflow\":" + BenchWorkflows.standard().json() + "}";
            LocalLambdaContext lambda = new LocalLambdaContext("SubmitJobFunction", Duration.ofSeconds(25), 1024);
            ComfyUiSettings cs = ComfyUiSettings.of(List.of(sim.baseUri()));
            ComfyUiClient client = new ComfyUiClient(sim.baseUri(), ComfyUiClient.httpClient(cs), cs);
            Workflow wf = BenchWorkflows.standard();
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
        }
    }

    /** {@code callers} threads doing {@code each} operations as fast as they can; latency of every one. */
    private static long[] load(int callers, int each, Op op) throws Exception {
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
}
