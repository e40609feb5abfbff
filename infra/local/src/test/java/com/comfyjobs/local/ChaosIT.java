package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.testing.CallbackReceiver;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Many jobs through the local stack's real parts (redis-server with AOF, S3Proxy, the simulator
 * posting webhooks) while the simulator drops 30% of webhooks, duplicates 10% and reorders some, and
 * restarts twice; Redis restarts once; recovery runs every two seconds. Every job must end in the
 * right terminal state, no Idempotency-Key may give two executions, and every succeeded job's
 * artifacts must equal ComfyUI's files byte for byte. Every job asks for callbacks of all its events,
 * to a receiver that answers one delivery in five 503 and verifies each with the standardwebhooks
 * library and its caller's secret as it arrives: every job's end must arrive (duplicates allowed,
 * each with the same webhook-id), never before one of the job's progress callbacks.
 * -Dchaos.jobs=10000 makes it the large run.
 */
class ChaosIT {
    static final int JOBS = Integer.getInteger("chaos.jobs", 200);
    private static final int DISPATCH_LEASE_SECONDS = 10;
    private static final Duration RETRY_BUDGET = Duration.ofSeconds(DISPATCH_LEASE_SECONDS * 3);

    @Test
    void everyJobEndsRightDespiteTheFaults() throws Exception {
        LocalStack.Options o = TestStacks.options("chaos-it");
        o.recoveryEvery = Duration.ofSeconds(2);
        o.simulatorStepMillis = 1;
        o.durableRedis = true;
        o.env.put("STALE_AFTER_SECONDS", "2");
        o.env.put("MAX_ATTEMPTS", "6");
        o.env.put("DISPATCH_LEASE_SECONDS", Integer.toString(DISPATCH_LEASE_SECONDS));
        o.env.put("COMFYUI_REQUEST_TIMEOUT_MS", "4000");
        o.env.put("MAX_ACTIVE_JOBS_PER_USER", "100000");
        o.env.put("REDIS_COMMAND_TIMEOUT_MS", "1000");
        o.env.put("CALLBACK_RETRY_SCHEDULE", "1s,1s,2s,2s,5s,10s,20s");
        // the bridge's defaults but a 100 ms coalescing window: 200 jobs of a few ms each would spend seconds waiting in it
        o.webhook = b -> b.coalesceMillis(100).dropPercent(30).duplicatePercent(10).reorder(true).maxAttempts(3).initialBackoffMillis(50).maxBackoffMillis(400);
        o.comfyUi = b -> b.randomSeed(42);
        ChaosReport report = new ChaosReport(JOBS);
        long started = System.nanoTime();
        try (LocalStack stack = LocalStack.start(o); CallbackReceiver receiver = CallbackReceiver.start()) {
            Api api = new Api(stack.apiUrl());
            Map<String, String> secrets = new HashMap<>();
            for (int u = 0; u < 20; u++) {
                secrets.put("user-" + u, api.webhookSecret("user-" + u).body().get("secret").asText());
            }
            List<String> unverified = Collections.synchronizedList(new ArrayList<>());
            receiver.answer(d -> {
                String user = d.json().path("data").path("userId").asText();
                if (!d.verifies(secrets.getOrDefault(user, ""))) {
                    unverified.add(d.id());
                }
                return d.seq() % 5 == 0 ? 503 : 200;
            });
            Map<String, String> keyToJob = new ConcurrentHashMap<>();
            Map<String, String> expected = new ConcurrentHashMap<>();
            ExecutorService callers = Executors.newFixedThreadPool(16);
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < JOBS; i++) {
                final int n = i;
                work.add(callers.submit(() -> {
                    String user = "user-" + (n % 20);
                    String key = "key-" + n;
                    String body = body(n, receiver.url());
                    Api.Response r = submitRetrying(api, user, body, key, report);
                    String job = r.body().get("jobId").asText();
                    keyToJob.put(key, job);
                    if (n % 7 == 0) {
                        // a client retry of the same request: must answer the same job and never run it twice
                        String again = submitRetrying(api, user, body, key, report).body().get("jobId").asText();
                        assertEquals(job, again, "Idempotency-Key " + key);
                        report.repeats.incrementAndGet();
                    }
                    if (n % 10 == 3) {
                        Api.Response c = cancelRetrying(api, user, job, report);
                        report.cancels.incrementAndGet();
                        if (c.status() == 202 && "canceled".equals(c.body().path("status").asText())) {
                            expected.put(job, "canceled");
                        } else if (c.status() == 202) {
                            expected.put(job, "canceled|succeeded");
                        } else if (c.status() != 409) {
                            throw new AssertionError("cancel answered " + c.status() + ": " + c.body());
                        }
                    }
                    expected.putIfAbsent(job, "succeeded");
                    return null;
                }));
                // paced, so the faults below land while jobs are in flight
                Thread.sleep(5);
                if (i == JOBS / 3) {
                    stack.simulator().faults().restart();
                    report.comfyRestarts.incrementAndGet();
                } else if (i == JOBS / 2) {
                    stack.redis().stop();
                    Thread.sleep(300);
                    stack.redis().start();
                    report.redisRestarts.incrementAndGet();
                } else if (i == 2 * JOBS / 3) {
                    stack.simulator().faults().restart();
                    report.comfyRestarts.incrementAndGet();
                }
            }
            for (Future<?> f : work) {
                f.get();
            }
            callers.shutdown();

            Map<String, JsonNode> finals = awaitAll(api, expected.keySet(), Duration.ofMinutes(JOBS > 1000 ? 60 : 4));
            Set<String> distinctJobs = new HashSet<>(keyToJob.values());
            assertEquals(JOBS, distinctJobs.size(), "one job per Idempotency-Key");
            for (Map.Entry<String, JsonNode> e : finals.entrySet()) {
                String status = e.getValue().get("status").asText();
                report.count(status);
                assertTrue(List.of(expected.get(e.getKey()).split("\\|")).contains(status),
                        e.getKey() + " ended " + status + ", expected " + expected.get(e.getKey()) + ": " + e.getValue());
                int attempt = e.getValue().get("attempt").asInt();
                report.attempts.addAndGet(attempt - 1);
                for (int a = 1; a <= attempt; a++) {
                    assertTrue(stack.simulator().executionCount(e.getKey() + "_" + a) <= 1, "attempt " + a + " of " + e.getKey() + " ran twice");
                }
                if ("succeeded".equals(status)) {
                    for (JsonNode art : e.getValue().get("artifacts")) {
                        byte[] s3 = api.download(art.get("url").asText());
                        byte[] comfy = Files.readAllBytes(stack.simulator().outputFile(art.get("filename").asText(), Api.folderOf(e.getValue())));
                        assertArrayEquals(comfy, s3, e.getKey());
                        report.artifactsChecked.incrementAndGet();
                    }
                    assertEquals(1, e.getValue().get("artifacts").size(), e.getKey());
                }
            }
            var stats = stack.simulator().webhookStats();
            report.webhooks = stats.toString();
            checkCallbacks(receiver, finals, unverified, report, Duration.ofMinutes(JOBS > 1000 ? 30 : 3));
        }
        report.seconds = (System.nanoTime() - started) / 1e9;
        System.out.println(report);
        report.writeIfAsked();
    }

    private static String body(int n, String callbacks) {
        ObjectNode wf = Api.workflow(n);
        ((ObjectNode) wf.get("5").get("inputs")).put("width", 64).put("height", 64);
        ((ObjectNode) wf.get("3").get("inputs")).put("steps", 4);
        ObjectNode b = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        b.set("workflow", wf);
        b.putObject("webhook").put("url", callbacks).putArray("events").add("job.progress").add("job.succeeded").add("job.failed")
                .add("job.canceled").add("job.expired");
        return b.toString();
    }

    /**
     * Every job's end arrives at the receiver (waiting up to {@code limit} for the last retries), as
     * the event of the status the job ended in; its tries, if more than one arrived, share one
     * webhook-id; none of the job's progress callbacks arrives after it; every delivery verified.
     */
    private static void checkCallbacks(CallbackReceiver receiver, Map<String, JsonNode> finals, List<String> unverified, ChaosReport report,
                                       Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        Map<String, List<CallbackReceiver.Delivery>> byJob = new HashMap<>();
        Set<String> missing = new HashSet<>(finals.keySet());
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
            byJob = receiver.deliveries().stream().collect(Collectors.groupingBy(CallbackReceiver.Delivery::jobId));
            Map<String, List<CallbackReceiver.Delivery>> seen = byJob;
            missing.removeIf(job -> seen.getOrDefault(job, List.of()).stream()
                    .anyMatch(d -> d.type().equals("job." + finals.get(job).get("status").asText()) && d.seq() % 5 != 0));
            if (!missing.isEmpty()) {
                Thread.sleep(500);
            }
        }
        assertEquals(Set.of(), missing, "jobs whose end never reached their caller");
        assertEquals(List.of(), unverified, "deliveries whose signature did not verify with their caller's secret");
        for (Map.Entry<String, JsonNode> e : finals.entrySet()) {
            List<CallbackReceiver.Delivery> got = byJob.get(e.getKey());
            List<CallbackReceiver.Delivery> ends = got.stream().filter(d -> !d.type().equals("job.progress")).toList();
            assertEquals(1, ends.stream().map(CallbackReceiver.Delivery::id).distinct().count(), e.getKey() + ": one end, one webhook-id");
            assertEquals("job." + e.getValue().get("status").asText(), ends.get(0).type(), e.getKey());
            int firstEnd = ends.stream().mapToInt(CallbackReceiver.Delivery::seq).min().orElseThrow();
            int lastProgress = got.stream().filter(d -> d.type().equals("job.progress")).mapToInt(CallbackReceiver.Delivery::seq).max().orElse(0);
            assertTrue(lastProgress < firstEnd, e.getKey() + ": a progress callback arrived after the job's end");
            report.callbackEnds.addAndGet(ends.size());
            report.callbackProgress.addAndGet(got.size() - ends.size());
            report.callbackEndRepeats.addAndGet(ends.size() - 1);
        }
        report.callbacksAnswered503.set((int) receiver.deliveries().stream().filter(d -> d.seq() % 5 == 0).count());
    }

    /** A submit whose client retries 503 (Redis restarting) and 409 (its key held by a request the restart cut short). */
    private static Api.Response submitRetrying(Api api, String user, String body, String key, ChaosReport report) throws Exception {
        Api.Response r = retrying(() -> api.submit(user, body, key), Map.of(503, report.unavailable, 409, report.inProgress));
        if (r.status() != 202) {
            throw new AssertionError("submit answered " + r.status() + ": " + r.body());
        }
        return r;
    }

    /** DELETE is idempotent: a client that got 503 (the Redis restart, its cancel perhaps half done) asks again. */
    private static Api.Response cancelRetrying(Api api, String user, String job, ChaosReport report) throws Exception {
        return retrying(() -> api.cancel(user, job), Map.of(503, report.unavailable));
    }

    /**
     * Calls until the answer is not one of {@code retryOn}'s statuses, waiting as Retry-After says and
     * counting each retry, for at most {@link #RETRY_BUDGET} (longer than a key can stay held).
     */
    private static Api.Response retrying(Callable<Api.Response> call, Map<Integer, AtomicInteger> retryOn) throws Exception {
        long giveUp = System.nanoTime() + RETRY_BUDGET.toNanos();
        while (true) {
            Api.Response r = call.call();
            AtomicInteger retries = retryOn.get(r.status());
            if (retries == null) {
                return r;
            }
            if (System.nanoTime() > giveUp) {
                throw new AssertionError("still answered " + r.status() + " after " + RETRY_BUDGET + ": " + r.body());
            }
            retries.incrementAndGet();
            Thread.sleep(Math.min(1000, 1000L * Integer.parseInt(r.header("Retry-After"))));
        }
    }

    private static Map<String, JsonNode> awaitAll(Api api, Set<String> jobs, Duration limit) throws Exception {
        Map<String, JsonNode> done = new HashMap<>();
        Map<String, String> owners = new HashMap<>();
        long deadline = System.nanoTime() + limit.toNanos();
        List<String> pending = new ArrayList<>(jobs);
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            List<String> still = new ArrayList<>();
            for (String job : pending) {
                JsonNode j = null;
                for (int u = 0; u < 20 && j == null; u++) {
                    String user = owners.getOrDefault(job, "user-" + u);
                    Api.Response r = api.get(user, job);
                    if (r.status() == 200) {
                        owners.put(job, user);
                        j = r.body();
                    }
                }
                if (j != null && Api.terminal().test(j)) {
                    done.put(job, j);
                } else {
                    still.add(job);
                }
            }
            pending = still;
            if (!pending.isEmpty()) {
                Thread.sleep(500);
            }
        }
        assertEquals(Collections.emptyList(), pending, "jobs that never ended");
        return done;
    }
}
