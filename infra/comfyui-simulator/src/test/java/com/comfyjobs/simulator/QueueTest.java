package com.comfyjobs.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.simulator.engine.PromptFate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QueueTest {
    private ComfyUiSimulator sim;
    private TestApi api;

    private void start(ComfyUiSimulator.Builder builder) {
        sim = builder.port(0).build().start();
        api = new TestApi(sim);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private JsonNode submit(String promptId, long seed, Double number, Boolean front, String clientId) {
        ObjectNode body = SampleWorkflows.request(SampleWorkflows.small(seed, 1), clientId);
        if (promptId != null) {
            body.put("prompt_id", promptId);
        }
        if (number != null) {
            body.put("number", number);
        }
        if (front != null) {
            body.put("front", front);
        }
        TestApi.Response response = api.post("/prompt", body);
        assertEquals(200, response.status(), response.text());
        return response.json();
    }

    private List<String> pendingIds() {
        List<String> ids = new ArrayList<>();
        api.get("/queue").json().get("queue_pending").forEach(item -> ids.add(item.get(1).asText()));
        return ids;
    }

    @Test
    void samePromptIdQueuesTwiceAndOverwritesHistory() {
        start(ComfyUiSimulator.builder().stepMillis(1).nodeMillis(1));
        sim.faults().holdQueue(true);
        submit("dup", 1, null, null, null);
        submit("dup", 2, null, null, null);
        assertEquals(List.of("dup", "dup"), pendingIds());
        sim.faults().holdQueue(false);
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        assertEquals(2, sim.executionCount("dup"));
        assertEquals(List.of("dup", "dup"), sim.submittedPrompts());
        JsonNode history = api.get("/history").json();
        assertEquals(1, history.size());
        assertEquals(2, history.get("dup").get("prompt").get(2).get("3").get("inputs").get("seed").asInt(),
                "the second run's entry replaced the first");
    }

    @Test
    void lowerNumbersRunFirstAndFrontNegatesTheCounter() {
        start(ComfyUiSimulator.builder().stepMillis(0).nodeMillis(0));
        sim.faults().holdQueue(true);
        assertEquals(0, submit("a", 1, null, null, null).get("number").asInt());
        assertEquals(1, submit("b", 2, null, null, null).get("number").asInt());
        assertEquals(-2, submit("c", 3, null, true, null).get("number").asInt());
        assertEquals(0.5, submit("d", 4, 0.5, null, null).get("number").asDouble());
        assertEquals(-2, api.get("/queue").json().get("queue_pending").get(0).get(0).asInt(),
                "pending is shown in heap order; its head is the lowest number");
        sim.faults().holdQueue(false);
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        List<String> order = new ArrayList<>();
        api.get("/history").json().fieldNames().forEachRemaining(order::add);
        assertEquals(List.of("c", "a", "d", "b"), order);
    }

    @Test
    void queueDeleteAndClearOnlyTouchPendingPrompts() {
        start(ComfyUiSimulator.builder().stepMillis(20).nodeMillis(1));
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            ObjectNode slow = SampleWorkflows.request(SampleWorkflows.small(1, 100), "c");
            slow.put("prompt_id", "running");
            api.post("/prompt", slow);
            ws.await(m -> m.get("type").asText().equals("progress"), Duration.ofSeconds(5));
            submit("p1", 2, null, null, null);
            submit("p2", 3, null, null, null);
            submit("p3", 4, null, null, null);
            assertEquals(200, api.post("/queue", "{\"delete\": [\"p2\", \"running\"]}").status());
            JsonNode queue = api.get("/queue").json();
            assertEquals("running", queue.get("queue_running").get(0).get(1).asText());
            assertEquals(List.of("p1", "p3"), pendingIds());
            api.post("/queue", "{\"clear\": true}");
            assertEquals(List.of(), pendingIds());
            assertEquals(1, api.get("/queue").json().get("queue_running").size(), "clear keeps the running prompt");
            api.post("/interrupt", "{}");
            ws.awaitDone("running");
        }
        assertEquals(0, sim.executionCount("p1"));
        assertEquals(List.of(PromptFate.REMOVED), sim.fates("p1"));
        assertEquals(List.of(PromptFate.REMOVED), sim.fates("p2"));
        assertEquals(List.of(PromptFate.INTERRUPTED), sim.fates("running"));
    }

    @Test
    void interruptStopsOnlyTheNamedRunningPrompt() {
        start(ComfyUiSimulator.builder().stepMillis(10).nodeMillis(1));
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            ObjectNode body = SampleWorkflows.request(SampleWorkflows.small(1, 200), "c");
            body.put("prompt_id", "long");
            api.post("/prompt", body);
            ws.await(m -> m.get("type").asText().equals("progress") && m.get("data").get("value").asInt() >= 2, Duration.ofSeconds(5));
            assertEquals(200, api.post("/interrupt", "{\"prompt_id\": \"someone-else\"}").status());
            int before = progressCount(ws);
            ws.await(m -> m.get("type").asText().equals("progress") && m.get("data").get("value").asInt() >= before + 3,
                    Duration.ofSeconds(5));
            assertEquals(1, api.get("/queue").json().get("queue_running").size(), "a wrong prompt_id interrupts nothing");

            assertEquals(200, api.post("/interrupt", "{\"prompt_id\": \"long\"}").status());
            ws.awaitDone("long");
            List<JsonNode> events = ws.messagesFor("long");
            JsonNode interrupted = events.get(events.size() - 2);
            assertEquals("execution_interrupted", interrupted.get("type").asText());
            assertEquals(List.of("prompt_id", "node_id", "node_type", "executed", "timestamp"), ExecutionTest.names(interrupted.get("data")));
            assertEquals("3", interrupted.get("data").get("node_id").asText());
            assertEquals("KSampler", interrupted.get("data").get("node_type").asText());
            assertEquals("[\"4\",\"5\",\"7\",\"6\"]", interrupted.get("data").get("executed").toString());
            assertTrue(progressCount(ws) < 200);
            JsonNode status = api.get("/history/long").json().get("long").get("status");
            assertEquals("error", status.get("status_str").asText());
            assertFalse(status.get("completed").asBoolean());
            JsonNode messages = status.get("messages");
            assertEquals("execution_interrupted", messages.get(messages.size() - 1).get(0).asText());

            ObjectNode second = SampleWorkflows.request(SampleWorkflows.small(2, 200), "c");
            second.put("prompt_id", "second");
            api.post("/prompt", second);
            ws.await(m -> m.get("type").asText().equals("progress") && m.get("data").get("prompt_id").asText().equals("second"),
                    Duration.ofSeconds(5));
            assertEquals(200, api.postEmpty("/interrupt").status(), "no body interrupts whatever runs");
            ws.awaitDone("second");
            assertEquals("error", api.get("/history/second").json().get("second").get("status").get("status_str").asText());
        }
    }

    private static int progressCount(WsRecorder ws) {
        return (int) ws.messages().stream().filter(m -> m.get("type").asText().equals("progress")).count();
    }

    @Test
    void historyDropsTheOldestEntryPastTheCap() {
        start(ComfyUiSimulator.builder().stepMillis(0).nodeMillis(0).historyCap(2));
        for (int i = 0; i < 5; i++) {
            submit("h" + i, i, null, null, null);
            assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        }
        List<String> kept = new ArrayList<>();
        api.get("/history").json().fieldNames().forEachRemaining(kept::add);
        assertEquals(List.of("h2", "h3", "h4"), kept, "like ComfyUI, the cap is checked before adding, so cap + 1 remain");
        assertEquals("{}", api.get("/history/h0").text());
        assertEquals(1, sim.executionCount("h0"));
    }

    @Test
    void postHistoryDeletesAndClears() {
        start(ComfyUiSimulator.builder().stepMillis(0).nodeMillis(0));
        submit("x", 1, null, null, null);
        submit("y", 2, null, null, null);
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        api.post("/history", "{\"delete\": [\"x\"]}");
        assertEquals("{}", api.get("/history/x").text());
        assertEquals(1, api.get("/history/y").json().size());
        api.post("/history", "{\"clear\": true}");
        assertEquals("{}", api.get("/history").text());
    }
}
