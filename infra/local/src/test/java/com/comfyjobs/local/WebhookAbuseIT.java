package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.standardwebhooks.Webhook;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Replayed ids, stale and future timestamps, rotated secrets, oversized bodies, a flood of valid duplicates. */
class WebhookAbuseIT {
    private static final String OLD = "whsec_" + Base64.getEncoder().encodeToString("old-secret-0123456789abcdef012345".getBytes(StandardCharsets.UTF_8));
    private static final String NEW = "whsec_" + Base64.getEncoder().encodeToString("new-secret-0123456789abcdef012345".getBytes(StandardCharsets.UTF_8));
    private static final String OTHER = "whsec_" + Base64.getEncoder().encodeToString("not-our-secret-0123456789abcdef0".getBytes(StandardCharsets.UTF_8));
    private static LocalStack stack;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        LocalStack.Options o = TestStacks.options("webhook-abuse-it");
        o.env.put("WEBHOOK_SECRET", OLD + " " + NEW);
        o.webhook = b -> b.dropPercent(100);
        stack = LocalStack.start(o);
        api = new Api(stack.apiUrl());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static String heldJob() {
        stack.simulator().faults().holdQueue(true);
        return api.submit("owner", Api.submitBody((int) System.nanoTime()), null).body().get("jobId").asText();
    }

    private static String progress(String job, int value) {
        return "{\"event\":\"comfy.progress\",\"data\":{\"type\":\"progress\",\"data\":{\"value\":" + value + ",\"max\":20,\"prompt_id\":\""
                + job + "_1\",\"node\":\"3\"}}}";
    }

    private static Api.Response deliver(String secret, String id, long timestamp, String body) throws Exception {
        String sig = new Webhook(secret).sign(id, timestamp, body);
        return api.raw(api.request("/webhooks/comfyui", null).header("Content-Type", "application/json").header("webhook-id", id)
                .header("webhook-timestamp", Long.toString(timestamp)).header("webhook-signature", sig)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static Job stored(String job) {
        return stack.context().getBean(JobStore.class).findById(job).orElseThrow();
    }

    @Test
    void aReplayedDeliveryChangesNothingTheSecondTime() throws Exception {
        String job = heldJob();
        long now = Instant.now().getEpochSecond();
        assertEquals(204, deliver(OLD, "msg_replay", now, progress(job, 5)).status());
        Job once = stored(job);
        assertEquals(204, deliver(OLD, "msg_replay", now, progress(job, 5)).status());
        Job twice = stored(job);
        assertEquals(once, twice, "not even the heartbeat moved");
    }

    @Test
    void staleAndFutureTimestampsAreRefused() throws Exception {
        String job = heldJob();
        long now = Instant.now().getEpochSecond();
        Job before = stored(job);
        Api.Response stale = deliver(OLD, "msg_stale", now - 6 * 60, progress(job, 9));
        Api.Response future = deliver(OLD, "msg_future", now + 6 * 60, progress(job, 9));
        assertEquals(401, stale.status());
        assertEquals(401, future.status());
        assertEquals("application/problem+json", stale.header("Content-Type"));
        assertEquals(before, stored(job));
    }

    @Test
    void bothRotatedSecretsWorkAndNoOtherDoes() throws Exception {
        String job = heldJob();
        long now = Instant.now().getEpochSecond();
        assertEquals(204, deliver(OLD, "msg_old", now, progress(job, 2)).status());
        assertEquals(204, deliver(NEW, "msg_new", now, progress(job, 4)).status());
        Job after = stored(job);
        assertEquals(401, deliver(OTHER, "msg_other", now, progress(job, 19)).status());
        assertEquals(after, stored(job));
        assertTrue(after.progress() > 0);
    }

    @Test
    void aBatchAppliesEachEventOnceAndItsRepeatNothing() throws Exception {
        String job = heldJob();
        long now = Instant.now().getEpochSecond();
        String batch = "[" + progress(job, 3) + "," + progress(job, 3) + ","
                + "{\"event\":\"comfy.executing\",\"data\":{\"type\":\"executing\",\"data\":{\"node\":\"3\",\"prompt_id\":\"" + job + "_1\"}}},"
                + "{\"event\":\"prompt.complete\",\"data\":{}}]";
        assertEquals(204, deliver(OLD, "msg_batch", now, batch).status());
        Job once = stored(job);
        assertEquals("running", once.status().wire());
        assertEquals("3", once.currentNode());
        assertEquals(204, deliver(OLD, "msg_batch", now, batch).status());
        assertEquals(once, stored(job), "every event of the repeated batch was a duplicate");
    }

    @Test
    void oversizedBodiesAreRefusedBeforeAnythingElse() {
        String big = "{\"event\":\"comfy.progress\",\"pad\":\"" + "x".repeat(1_100_000) + "\"}";
        Api.Response r = api.raw(api.request("/webhooks/comfyui", null).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(big)));
        assertEquals(413, r.status());
    }

    @Test
    void aFloodOfValidDuplicatesAppliesOnce() throws Exception {
        String job = heldJob();
        long now = Instant.now().getEpochSecond();
        String body = "{\"event\":\"comfy.execution_error\",\"data\":{\"type\":\"execution_error\",\"data\":{\"prompt_id\":\"" + job
                + "_1\",\"node_id\":\"3\",\"node_type\":\"KSampler\",\"exception_message\":\"boom\",\"exception_type\":\"RuntimeError\"}}}";
        long failedBefore = stack.context().getBean(JobStore.class).countByStatus().get(JobStatus.FAILED);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            answers.add(pool.submit(() -> deliver(OLD, "msg_flood", now, body).status()));
        }
        for (Future<Integer> f : answers) {
            assertEquals(204, f.get());
        }
        pool.shutdown();
        assertEquals(JobStatus.FAILED, stored(job).status());
        assertEquals(failedBefore + 1, stack.context().getBean(JobStore.class).countByStatus().get(JobStatus.FAILED));
    }
}
