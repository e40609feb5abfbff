package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.testing.CallbackReceiver;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Callbacks through the local stack's real parts: the API, the simulator posting signed webhooks, the
 * webhook function's first tries, the DeliverCallbacks schedule (every second here, a retry schedule
 * in seconds), Redis and S3, to a receiver that verifies each delivery with the standardwebhooks
 * library and the secret GET /webhook-secret gives its caller.
 */
class CallbacksIT {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static LocalStack stack;
    private static Api api;
    private static CallbackReceiver receiver;

    @BeforeAll
    static void start() throws Exception {
        LocalStack.Options o = TestStacks.options("callbacks-it");
        o.simulatorStepMillis = 20;
        o.env.put("CALLBACK_RETRY_SCHEDULE", "1s,1s,1s,2s,2s,30s");
        stack = LocalStack.start(o);
        api = new Api(stack.apiUrl());
        receiver = CallbackReceiver.start();
    }

    @AfterAll
    static void stop() {
        receiver.close();
        stack.close();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + PATIENCE.toSeconds() + " s for " + what);
            }
            Thread.sleep(50);
        }
    }

    private static String submitted(String user, String... events) {
        Api.Response r = api.submit(user, Api.submitBody((int) System.nanoTime(), receiver.url(), events), null);
        assertEquals(202, r.status(), r.body().toString());
        return r.body().get("jobId").asText();
    }

    private static JsonNode callback(String user, String job) {
        return api.get(user, job).body().path("callback");
    }

    @Test
    void eachCallerHasASecretOfItsOwnThatARotationReplacesWithADaysOverlap() {
        Api.Response first = api.webhookSecret("secret-alice");
        assertEquals(200, first.status());
        assertEquals("no-store", first.header("Cache-Control"));
        String secret = first.body().get("secret").asText();
        assertTrue(secret.startsWith("whsec_"), secret);
        assertEquals(secret, api.webhookSecret("secret-alice").body().get("secret").asText(), "made once, on first use");
        assertNotEquals(secret, api.webhookSecret("secret-bob").body().get("secret").asText(), "one per caller");

        Api.Response refused = api.rotateWebhookSecret("secret-alice", "{\"secret\": \"mine\"}");
        assertEquals(400, refused.status());
        assertEquals(secret, api.webhookSecret("secret-alice").body().get("secret").asText(), "a refused rotation rotates nothing");
        Api.Response rotated = api.rotateWebhookSecret("secret-alice", null);
        assertEquals(200, rotated.status(), rotated.body().toString());
        assertNotEquals(secret, rotated.body().get("secret").asText());
        assertTrue(rotated.body().has("previousSecretValidUntil"));
        assertEquals(rotated.body(), api.webhookSecret("secret-alice").body());
    }

    @Test
    void aJobsProgressAndEndReachItsCallerSignedWithItsSecretAndNothingFollowsTheEnd() throws Exception {
        String secret = api.webhookSecret("runner").body().get("secret").asText();
        String job = submitted("runner", "job.progress", "job.succeeded", "job.failed");
        api.await("runner", job, Api.terminal(), PATIENCE, null);
        await("the end's callback", () -> receiver.of(job).stream().anyMatch(d -> d.type().equals("job.succeeded")));

        List<CallbackReceiver.Delivery> got = receiver.of(job);
        assertTrue(got.stream().allMatch(d -> d.verifies(secret)), "every delivery verifies with the caller's secret");
        assertFalse(got.stream().anyMatch(d -> d.verifies(api.webhookSecret("someone-else").body().get("secret").asText())));
        int end = got.stream().map(CallbackReceiver.Delivery::type).toList().indexOf("job.succeeded");
        assertTrue(got.subList(0, end).stream().allMatch(d -> d.type().equals("job.progress")), "progress before the end");
        assertTrue(got.subList(end, got.size()).stream().allMatch(d -> d.type().equals("job.succeeded")), "nothing after it but itself again");
        JsonNode artifact = got.get(end).json().get("data").get("artifacts").get(0);
        assertTrue(api.download(artifact.get("url").asText()).length > 0, "its download URL works");
        assertEquals("delivered", callback("runner", job).path("status").asText());
    }

    @Test
    void theReceiverDownThroughSeveralRetriesAndBackLosesNothing() throws Exception {
        receiver.down();
        String job;
        try {
            job = submitted("patient");
            api.await("patient", job, Api.terminal(), PATIENCE, null);
            await("three tries", () -> callback("patient", job).path("attempts").asInt() >= 3);
            assertEquals("pending", callback("patient", job).path("status").asText());
            assertEquals("the URL's server could not be reached", callback("patient", job).path("lastError").asText());
        } finally {
            receiver.up();
        }
        await("delivered", () -> "delivered".equals(callback("patient", job).path("status").asText()));
        List<CallbackReceiver.Delivery> got = receiver.of(job);
        assertEquals(1, got.stream().map(CallbackReceiver.Delivery::id).distinct().count());
        assertTrue(got.get(0).verifies(api.webhookSecret("patient").body().get("secret").asText()));
    }

    @Test
    void a410StopsTheJobsCallbacks() throws Exception {
        String job = submitted("gone-user", "job.progress", "job.succeeded");
        String stopped = job;
        receiver.answer(d -> d.jobId().equals(stopped) ? 410 : 200);
        api.await("gone-user", job, Api.terminal(), PATIENCE, null);
        await("stopped", () -> "stopped".equals(callback("gone-user", stopped).path("status").asText()));
        int sent = receiver.of(job).size();
        stack.runCallbacks();
        assertEquals(sent, receiver.of(job).size());
        assertEquals(1, receiver.of(job).size(), "the first 410 ended them");
    }

    @Test
    void aWebhookThatBreaksTheRulesIsRefusedWithAProblem() {
        for (String body : List.of(Api.submitBody(1, "ftp://127.0.0.1/hook"), Api.submitBody(1, receiver.url(), "job.started"),
                Api.submitBody(1, "https://user:pw@127.0.0.1/hook"))) {
            Api.Response r = api.submit("rules", body, null);
            assertEquals(400, r.status(), body);
            assertEquals("Invalid webhook", r.body().get("title").asText());
            assertEquals("application/problem+json", r.header("Content-Type"));
        }
        assertEquals(0, api.list("rules", null).body().get("jobs").size());
    }
}
