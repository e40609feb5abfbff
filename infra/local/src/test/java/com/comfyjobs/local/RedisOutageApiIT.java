package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.fasterxml.jackson.databind.JsonNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis goes down under the API: submit answers 503 with Retry-After within the configured timeout
 * and sends nothing to ComfyUI; a list answers 503; GET of a job answers what ComfyUI shows of it,
 * marked degraded, to its owner only; webhooks answer 503 (their senders retry). Once
 * Redis is back (with its AOF), recovery brings every job to its end. A Redis that answers an error
 * instead (out of memory) is no outage: 500, with nothing of Redis in the answer.
 */
class RedisOutageApiIT {
    private static LocalStack stack;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        LocalStack.Options o = TestStacks.options("redis-outage-it");
        o.simulatorStepMillis = 100;
        o.durableRedis = true;
        o.env.put("REDIS_COMMAND_TIMEOUT_MS", "500");
        o.env.put("REDIS_CONNECT_TIMEOUT_MS", "300");
        o.env.put("STALE_AFTER_SECONDS", "1");
        // the sender gives up at once during the outage (it would honour Retry-After: 5 per event); recovery settles the rest
        o.webhook = b -> b.maxAttempts(1);
        stack = LocalStack.start(o);
        api = new Api(stack.apiUrl());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void aFullRedisIs500WithoutItsTextWhileAStoppedOneIs503() {
        RedisClient admin = RedisClient.create(stack.redis().uri().toString());
        try (StatefulRedisConnection<String, String> c = admin.connect()) {
            c.sync().configSet("maxmemory-policy", "noeviction");
            c.sync().configSet("maxmemory", "1");
            Api.Response full;
            try {
                full = api.submit("u", Api.submitBody(5), null);
            } finally {
                c.sync().configSet("maxmemory", "0");
            }
            assertEquals(500, full.status(), full.body().toString());
            assertEquals("application/problem+json", full.header("Content-Type"));
            assertNull(full.header("Retry-After"), "waiting does not free memory");
            for (String internal : List.of("OOM", "maxmemory", "redis", "Redis", "script")) {
                assertFalse(full.raw().body().contains(internal), full.raw().body());
            }
        } finally {
            admin.shutdown();
        }

        stack.redis().stop();
        try {
            Api.Response down = api.submit("u", Api.submitBody(6), null);
            assertEquals(503, down.status(), down.body().toString());
            assertEquals("application/problem+json", down.header("Content-Type"));
            assertTrue(Integer.parseInt(down.header("Retry-After")) > 0);
        } finally {
            stack.redis().start();
        }
    }

    @Test
    void anOutageIs503WithNothingSentAndNoJobStaysStuck() throws Exception {
        String job = api.submit("u", Api.submitBody(3), null).body().get("jobId").asText();
        api.await("u", job, Api.status("running"), Duration.ofSeconds(30), null);
        stack.redis().stop();
        int sent = stack.simulator().submittedPrompts().size();

        long t0 = System.nanoTime();
        Api.Response submit = api.submit("u", Api.submitBody(4), null);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(503, submit.status(), submit.body().toString());
        assertEquals("application/problem+json", submit.header("Content-Type"));
        assertTrue(Integer.parseInt(submit.header("Retry-After")) > 0);
        assertTrue(ms < 2500, "answered in " + ms + " ms with a 500 ms command timeout");
        assertEquals(sent, stack.simulator().submittedPrompts().size(), "nothing reached ComfyUI");
        Api.Response degraded = api.get("u", job);
        assertEquals(200, degraded.status(), degraded.body().toString());
        assertEquals("running", degraded.body().get("status").asText());
        assertTrue(degraded.body().get("degraded").asBoolean());
        assertFalse(degraded.body().has("artifacts"), "nothing only the store knows");
        Api.Response foreign = api.get("mallory", job);
        assertEquals(404, foreign.status(), "another user's job, read from ComfyUI, is still not found");
        assertEquals(503, api.get("u", "0d7c7f44-28b6-4a6e-9a53-0a5c6f1e2b3c").status(), "ComfyUI knows nothing of it: the outage stands");
        assertEquals(503, api.list("u", null).status());
        assertTrue(!submit.raw().body().contains("redis://"), "no internals in the answer");

        // ComfyUI finishes the job during the outage; its webhooks meanwhile meet 503s
        ComfyUiSettings cs = ComfyUiSettings.of(List.of(stack.simulator().baseUri()));
        ComfyUiClient comfy = new ComfyUiClient(stack.simulator().baseUri(), ComfyUiClient.httpClient(cs), cs);
        long finishBy = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (comfy.history(job + "_1").orElse(Optional.empty()).isEmpty() && System.nanoTime() < finishBy) {
            Thread.sleep(100);
        }
        Thread.sleep(5100);
        JsonNode finished = api.get("u", job).body();
        assertEquals("finalizing", finished.get("status").asText(), "ComfyUI finished it; the outputs wait for Redis: " + finished);
        assertTrue(finished.get("degraded").asBoolean());
        stack.redis().start();
        Thread.sleep(1200);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode j = null;
        while (System.nanoTime() < deadline) {
            Api.Response r = api.get("u", job);
            if (r.status() == 200 && "succeeded".equals(r.body().path("status").asText())) {
                j = r.body();
                break;
            }
            stack.runRecovery();
            Thread.sleep(300);
        }
        assertTrue(j != null, "the job finished after the outage");
        assertEquals(1, j.get("artifacts").size());
    }
}
