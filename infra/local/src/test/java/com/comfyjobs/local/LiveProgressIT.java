package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Live progress end to end: the local stack with its WebSocket API (served from template.yaml's
 * routes, the Management API on the same port), ComfyUI's webhooks from the simulator, and the JDK's
 * WebSocket client as the browser. A listener sees its job rise and end, nothing of another user's
 * jobs, and after its connection drops, a new one picks the job up again.
 */
class LiveProgressIT {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalStack stack;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        LocalStack.Options o = TestStacks.options("live-progress-it");
        o.simulatorStepMillis = 20;
        stack = LocalStack.start(o);
        api = new Api(stack.apiUrl());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    /** A job whose sampler takes {@code steps} steps. */
    private static String submit(String user, int seed, int steps) {
        ObjectNode wf = Api.workflow(seed);
        ((ObjectNode) wf.get("3").get("inputs")).put("steps", steps);
        ObjectNode body = JSON.createObjectNode();
        body.set("workflow", wf);
        Api.Response r = api.submit(user, body.toString(), null);
        assertEquals(202, r.status(), r.body().toString());
        return r.body().get("jobId").asText();
    }

    private static String subscribe(String job) {
        return "{\"action\": \"subscribe\", \"jobId\": \"" + job + "\"}";
    }

    private static boolean isEnd(JsonNode m) {
        return List.of("job.succeeded", "job.failed", "job.canceled", "job.expired").contains(m.path("type").asText());
    }

    @Test
    void aListenerSeesItsJobRiseAndEndAsGetShowsIt() throws Exception {
        try (LiveClient alice = LiveClient.connect(stack, "alice")) {
            String job = submit("alice", 31, 60);
            JsonNode ack = alice.ask(subscribe(job));
            assertEquals("subscribed", ack.path("type").asText(), ack.toString());
            assertEquals(job, ack.path("jobId").asText());

            JsonNode end = alice.until(LiveProgressIT::isEnd, LIMIT);

            assertEquals("job.succeeded", end.path("type").asText(), alice.seen().toString());
            List<JsonNode> pushes = alice.seen().stream().filter(m -> m.path("type").asText().startsWith("job.")).toList();
            double before = 0;
            int between = 0;
            for (JsonNode m : pushes) {
                assertEquals(job, m.path("data").path("jobId").asText());
                double p = m.path("data").path("progress").asDouble();
                assertTrue(p >= before, "progress never goes back: " + pushes);
                before = p;
                between += p > 0 && p < 1 ? 1 : 0;
            }
            assertTrue(between >= 2, "progress rose in steps: " + pushes);
            JsonNode got = api.get("alice", job).body();
            assertEquals(got.path("status").asText(), end.path("data").path("status").asText());
            assertEquals(got.path("artifacts").get(0).path("key"), end.path("data").path("artifacts").get(0).path("key"));
            assertTrue(api.download(end.path("data").path("artifacts").get(0).path("url").asText()).length > 0,
                    "the pushed download URL works");
        }
    }

    @Test
    void aListenerHearsNothingOfAnotherUsersJobs() throws Exception {
        String bobs = submit("bob", 32, 10);
        try (LiveClient mallory = LiveClient.connect(stack, "mallory")) {
            JsonNode refused = mallory.ask(subscribe(bobs));
            assertEquals(JSON.createObjectNode().put("type", "error").put("status", 404).put("jobId", bobs), refused,
                    "the same answer as for a job that does not exist");
            JsonNode all = mallory.ask("{\"action\": \"subscribe\", \"all\": true}");
            assertEquals("subscribed", all.path("type").asText());
            String own = submit("mallory", 33, 10);
            String bobsNext = submit("bob", 34, 10);
            mallory.until(m -> isEnd(m) && own.equals(m.path("data").path("jobId").asText()), LIMIT);
            api.await("bob", bobs, Api.terminal(), LIMIT, null);
            api.await("bob", bobsNext, Api.terminal(), LIMIT, null);
            JsonNode malformed = mallory.ask("{\"action\": \"subscribe\", \"jobId\": \"" + bobsNext + "\", \"all\": true}");
            assertEquals(400, malformed.path("status").asInt(), malformed.toString());
            for (JsonNode m : mallory.seen()) {
                assertFalse(m.toString().contains("bob"), "nothing of bob's: " + m);
                if (m.path("type").asText().startsWith("job.")) {
                    assertEquals(own, m.path("data").path("jobId").asText());
                }
            }
        }
    }

    @Test
    void aDroppedConnectionIsClosedAndANewOnePicksTheJobUpAgain() throws Exception {
        String job = submit("carol", 35, 150);
        LiveClient first = LiveClient.connect(stack, "carol");
        assertEquals("subscribed", first.ask(subscribe(job)).path("type").asText());
        first.until(m -> "job.progress".equals(m.path("type").asText()), LIMIT);
        int openBefore = stack.webSocket().openConnections();
        first.drop();

        try (LiveClient again = LiveClient.connect(stack, "carol")) {
            JsonNode ack = again.ask(subscribe(job));
            assertEquals("subscribed", ack.path("type").asText());
            JsonNode missed = api.get("carol", job).body();
            assertTrue(missed.path("progress").asDouble() > 0, "GET tells what the dropped connection missed: " + missed);
            JsonNode end = again.until(LiveProgressIT::isEnd, LIMIT);
            assertEquals("job.succeeded", end.path("type").asText());
            assertTrue(stack.webSocket().openConnections() < openBefore + 1, "the dropped connection is closed");
        }
    }
}
