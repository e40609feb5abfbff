package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GET /usage over HTTP on the local stack, the simulator running the jobs and posting signed webhooks:
 * two users' jobs run to success, failure and cancel; each user's usage shows its own counts and the
 * GPU seconds of its jobs (above 0 for a job that ran, at most the wall time it took, and the sum of what
 * GET /jobs/{id} shows); another user's usage is refused, an admin reads both.
 */
class UsageIT {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static LocalStack stack;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        LocalStack.Options o = TestStacks.options("usage-it");
        o.simulatorStepMillis = 5;
        stack = LocalStack.start(o);
        api = new Api(stack.apiUrl());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static String submit(String user, int seed) {
        Api.Response r = api.submit(user, Api.submitBody(seed), null);
        assertEquals(202, r.status(), r.raw().body());
        return r.body().get("jobId").asText();
    }

    /** The job once ended, checked to have ended in {@code status}; its GPU seconds at most the wall time it took. */
    private static JsonNode ended(String user, String job, String status, long startedNanos) {
        JsonNode done = api.await(user, job, Api.terminal(), LIMIT, null);
        double wall = (System.nanoTime() - startedNanos) / 1e9;
        assertEquals(status, done.get("status").asText(), done.toString());
        double gpu = done.get("gpuSeconds").asDouble();
        assertTrue(gpu >= 0 && gpu <= wall, "GPU seconds " + gpu + " within the wall time " + wall);
        return done;
    }

    private static Api.Response usage(String caller, String query) {
        return api.raw(api.request("/usage" + query, caller).GET());
    }

    private static double gpu(List<JsonNode> jobs) {
        return jobs.stream().mapToDouble(j -> j.get("gpuSeconds").asDouble()).sum();
    }

    @Test
    void eachUserSeesItsOwnCountsAndGpuSecondsAndOnlyAnAdminSeesAnothers() {
        long t0 = System.nanoTime();
        String a1 = submit("alice", 1);
        String a2 = submit("alice", 2);
        JsonNode aliceOk1 = ended("alice", a1, "succeeded", t0);
        JsonNode aliceOk2 = ended("alice", a2, "succeeded", t0);
        assertTrue(aliceOk1.get("gpuSeconds").asDouble() > 0, aliceOk1.toString());

        stack.simulator().faults().holdQueue(true);
        String a3 = submit("alice", 3);
        Api.Response cancel = api.cancel("alice", a3);
        assertEquals(202, cancel.status(), cancel.raw().body());
        stack.simulator().faults().holdQueue(false);
        JsonNode aliceCanceled = ended("alice", a3, "canceled", t0);

        long t1 = System.nanoTime();
        JsonNode bobOk = ended("bob", submit("bob", 4), "succeeded", t1);
        stack.simulator().faults().failNode("KSampler");
        JsonNode bobFailed = ended("bob", submit("bob", 5), "failed", t1);

        JsonNode alice = usage("alice", "").body();
        assertEquals("alice", alice.get("user").asText());
        assertEquals(30, alice.get("days").size(), "the last 30 days, each listed");
        JsonNode at = alice.get("total");
        assertEquals(3, at.get("submitted").asLong(), alice.toString());
        assertEquals(2, at.get("succeeded").asLong());
        assertEquals(1, at.get("canceled").asLong());
        assertEquals(0, at.get("failed").asLong());
        assertEquals(gpu(List.of(aliceOk1, aliceOk2, aliceCanceled)), at.get("gpuSeconds").asDouble(), 1e-6);

        JsonNode bob = usage("bob", "").body();
        JsonNode bt = bob.get("total");
        assertEquals(2, bt.get("submitted").asLong(), bob.toString());
        assertEquals(1, bt.get("succeeded").asLong());
        assertEquals(1, bt.get("failed").asLong());
        assertTrue(bt.get("gpuSeconds").asDouble() > 0);
        assertEquals(gpu(List.of(bobOk, bobFailed)), bt.get("gpuSeconds").asDouble(), 1e-6);

        Api.Response refused = usage("alice", "?user=bob");
        assertEquals(403, refused.status(), refused.raw().body());
        assertEquals("application/problem+json", refused.header("Content-Type"));
        assertEquals(bob, usage("admin", "?user=bob").body(), "an admin reads bob's usage as bob does");
        assertEquals(alice, usage("admin", "?user=alice").body());
        assertEquals(alice, usage("alice", "?user=alice").body(), "naming oneself");
        assertEquals(400, usage("alice", "?from=2026-03-02&to=2026-03-01").status());
    }
}
