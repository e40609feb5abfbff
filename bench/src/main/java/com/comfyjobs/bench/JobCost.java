package com.comfyjobs.bench;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.local.ApiGatewayEmulator;
import com.comfyjobs.local.LocalStack;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.comfyjobs.simulator.WebhookStats;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The cost of one job, end to end: a 30-step txt2img job from the shipped template, submitted with
 * POST /jobs to the local stack (template.yaml's routes through {@link ApiGatewayEmulator}, the real
 * handlers, a redis-server, S3Proxy, the simulator posting its events with the bridge's defaults),
 * counted at the servers from the submit until the job is terminal: Lambda invocations (requests the
 * API emulator served), Redis commands (INFO commandstats, and MONITOR for those the clients sent
 * themselves rather than scripts ran), Redis bytes in and out (INFO stats), ComfyUI calls (the
 * simulator's request counts). Nobody polls and nothing is subscribed, so no GET, callback or push is
 * in the count; the schedules (recovery, callbacks) are set far apart so that neither runs.
 */
final class JobCost {
    /** A 30-step job of about three and a half seconds: SD 1.5 at 512x512 on a fast GPU. */
    static final int STEPS = 30;
    static final int STEP_MILLIS = 100;
    static final int NODE_MILLIS = 50;
    private static final String BODY = "{\"template\":\"txt2img\",\"params\":{\"prompt\":\"a lighthouse on a cliff at dawn\",\"steps\":"
            + STEPS + "}}";
    private static final ObjectMapper JSON = new ObjectMapper();

    private JobCost() {
    }

    static List<Row> run(boolean quick) throws Exception {
        Path data = Files.createTempDirectory("comfyjobs-bench-cost-");
        LocalStack.Options options = new LocalStack.Options();
        options.port = 0;
        options.webSocketPort = 0;
        options.dataDir = data;
        options.recoveryEvery = Duration.ofHours(1);
        options.callbacksEvery = Duration.ofHours(1);
        options.simulatorStepMillis = STEP_MILLIS;
        options.comfyUi = b -> b.nodeMillis(NODE_MILLIS);
        options.env = new HashMap<>(Map.of("METRICS_ENABLED", "false"));
        try (LocalStack stack = LocalStack.start(options);
             RedisClient client = RedisClient.create(stack.redis().uri().toString());
             StatefulRedisConnection<String, String> info = client.connect()) {
            HttpClient http = HttpClient.newHttpClient();
            // a warm container: the handlers' first calls, the template cache, the pool's probe and object_info filled
            runJob(stack, http);
            int measured = quick ? 1 : 3;
            List<Cost> costs = new ArrayList<>();
            for (int i = 0; i < measured; i++) {
                costs.add(measure(stack, http, info));
            }
            Counted counted = monitored(stack, http);
            return rows(average(costs), counted);
        } finally {
            deleteTree(data);
        }
    }

    /** What one job cost, counted at the servers. */
    record Cost(double invocations, double webhookPosts, double commandsInclScripts, double bytesIn, double bytesOut,
                double comfyCalls, String comfyBreakdown) {
    }

    /** One job's Redis commands as MONITOR saw them: its submit's, then its run's up to the end. */
    record Counted(RedisMonitor.Commands submit, RedisMonitor.Commands run) {
        long byClients() {
            return submit.clientTotal() + run.clientTotal();
        }

        long inScripts() {
            return submit.scriptTotal() + run.scriptTotal();
        }
    }

    /** Another job, counted by MONITOR, whose own output would add to the bytes INFO counts: hence apart. */
    private static Counted monitored(LocalStack stack, HttpClient http) throws Exception {
        ComfyUiSimulator sim = stack.simulator();
        try (RedisMonitor monitor = RedisMonitor.start(stack.redis().uri())) {
            monitor.phase();
            sim.faults().holdQueue(true);
            String jobId = submit(stack, http);
            RedisMonitor.Commands submit = monitor.phase();
            sim.faults().holdQueue(false);
            awaitTerminal(stack, jobId);
            RedisMonitor.Commands run = monitor.phase();
            requireSucceeded(stack, jobId);
            System.err.println("bench: cost: the submit's commands, by clients " + submit.byClients() + ", in scripts " + submit.inScripts());
            System.err.println("bench: cost: the run's commands, by clients " + run.byClients() + ", in scripts " + run.inScripts());
            return new Counted(submit, run);
        }
    }

    /** One job from its submit until it is terminal. */
    private static Cost measure(LocalStack stack, HttpClient http, StatefulRedisConnection<String, String> info) throws Exception {
        ComfyUiSimulator sim = stack.simulator();
        Snapshot a = Snapshot.take(info);
        Snapshot b = Snapshot.take(info);
        // what taking a snapshot itself adds to the counters, taken off every delta below
        Snapshot overhead = b.minus(a);
        Map<String, Long> invocations0 = stack.invocations();
        Map<String, Long> comfy0 = sim.requestCounts();
        WebhookStats webhooks0 = sim.webhookStats();
        String jobId = submit(stack, http);
        awaitTerminal(stack, jobId);
        Snapshot job = Snapshot.take(info).minus(b).minus(overhead);
        Map<String, Long> invocations = delta(invocations0, stack.invocations());
        Map<String, Long> comfy = delta(comfy0, sim.requestCounts());
        WebhookStats webhooks = sim.webhookStats();
        requireSucceeded(stack, jobId);
        long posts = invocations.getOrDefault(handler("ComfyWebhookHandler"), 0L);
        long submits = invocations.getOrDefault(handler("SubmitJobHandler"), 0L);
        long total = invocations.values().stream().mapToLong(Long::longValue).sum();
        if (total != posts + submits) {
            throw new IllegalStateException("functions other than submit and webhook ran during the job: " + invocations);
        }
        if (webhooks.attempted() - webhooks0.attempted() != posts) {
            throw new IllegalStateException("the simulator made " + (webhooks.attempted() - webhooks0.attempted())
                    + " webhook requests, the API served " + posts);
        }
        return new Cost(total, posts, job.commands(), job.bytesIn(), job.bytesOut(),
                comfy.values().stream().mapToLong(Long::longValue).sum(), comfy.toString());
    }

    private static String handler(String simpleName) {
        return "com.comfyjobs.functions." + simpleName;
    }

    private static void runJob(LocalStack stack, HttpClient http) throws Exception {
        String jobId = submit(stack, http);
        awaitTerminal(stack, jobId);
        requireSucceeded(stack, jobId);
    }

    private static String submit(LocalStack stack, HttpClient http) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(stack.apiUrl() + "/jobs"))
                .header("content-type", "application/json").header(ApiGatewayEmulator.DEV_USER_HEADER, "bench")
                .POST(HttpRequest.BodyPublishers.ofString(BODY)).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new IllegalStateException("POST /jobs answered " + response.statusCode() + ": " + response.body());
        }
        JsonNode body = JSON.readTree(response.body());
        return body.path("jobId").asText();
    }

    /**
     * Until the simulator has run the prompt and has nothing left to post: the webhook that carries
     * execution_success is answered only after the job is finalized, so then the job is terminal.
     */
    private static void awaitTerminal(LocalStack stack, String jobId) {
        ComfyUiSimulator sim = stack.simulator();
        if (!sim.awaitIdle(Duration.ofSeconds(60))) {
            throw new IllegalStateException("job " + jobId + " did not finish within 60 s");
        }
    }

    private static void requireSucceeded(LocalStack stack, String jobId) {
        Job job = stack.context().getBean(JobStore.class).findById(jobId)
                .orElseThrow(() -> new IllegalStateException("job " + jobId + " is gone"));
        if (job.status() != JobStatus.SUCCEEDED || job.artifacts().isEmpty()) {
            throw new IllegalStateException("job " + jobId + " ended " + job.status() + " with " + job.artifacts().size() + " artifacts");
        }
    }

    private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new TreeMap<>();
        after.forEach((k, v) -> {
            long n = v - before.getOrDefault(k, 0L);
            if (n != 0) {
                d.put(k, n);
            }
        });
        return d;
    }

    private static Cost average(List<Cost> costs) {
        return new Cost(mean(costs, Cost::invocations), mean(costs, Cost::webhookPosts), mean(costs, Cost::commandsInclScripts),
                mean(costs, Cost::bytesIn), mean(costs, Cost::bytesOut), mean(costs, Cost::comfyCalls),
                costs.get(costs.size() - 1).comfyBreakdown());
    }

    private static double mean(List<Cost> costs, java.util.function.ToDoubleFunction<Cost> f) {
        return costs.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    private static List<Row> rows(Cost c, Counted commands) {
        System.err.println("bench: cost: ComfyUI calls of the last job: " + c.comfyBreakdown());
        String posts = String.format(Locale.ROOT, "%.0f webhook POSTs", c.webhookPosts());
        return List.of(
                new Row("cost", "Lambda invocations per job (submit + webhook POSTs)", "inv", c.invocations(), 2,
                        "1 submit + 1 webhook (execution_success)", "goal: at most 10; " + posts),
                new Row("cost", "Redis commands per job, sent by the clients", "cmd", commands.byClients(), 6,
                        "the submit's 3 + 1 per status: running, finalizing, succeeded", "goal: at most 30; MONITOR"),
                new Row("cost", "Redis commands per job, incl. those scripts ran", "cmd", c.commandsInclScripts(), Double.NaN,
                        "-", "INFO commandstats; " + commands.inScripts() + " of them in scripts (MONITOR)"),
                new Row("cost", "Redis commands of the submit alone, sent by the clients", "cmd", commands.submit().clientTotal(), 3,
                        "3 round trips", "template read cached in the container"),
                new Row("cost", "Redis bytes in per job", "B", c.bytesIn(), Double.NaN, "-", "INFO total_net_input_bytes"),
                new Row("cost", "Redis bytes out per job", "B", c.bytesOut(), Double.NaN, "-", "INFO total_net_output_bytes"),
                new Row("cost", "ComfyUI calls per job", "calls", c.comfyCalls(), 3,
                        "POST /prompt, GET /history, GET /view of its one image", "counted by the simulator"));
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
