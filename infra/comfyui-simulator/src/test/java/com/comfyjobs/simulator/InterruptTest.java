package com.comfyjobs.simulator;

import static com.comfyjobs.simulator.Pictures.graph;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.simulator.engine.PromptFate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where POST /interrupt stops a prompt, as in ComfyUI 0.3.64: a node that is not a sampler checks the
 * flag only before it starts (before_node_execution), so it runs to its end and the prompt stops at
 * the next node, or not at all when it was the last; a sampler checks at every step.
 */
class InterruptTest {
    /** Long enough that the interrupt surely arrives while the node works. */
    private static final int NODE_MILLIS = 800;
    private ComfyUiSimulator sim;
    private TestApi api;

    private void start(int nodeMillis) {
        sim = ComfyUiSimulator.builder().port(0).stepMillis(10).nodeMillis(nodeMillis).build().start();
        api = new TestApi(sim);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private String submit(String id, ObjectNode graph) {
        ObjectNode body = SampleWorkflows.request(graph, "c");
        body.put("prompt_id", id);
        assertEquals(200, api.post("/prompt", body).status());
        return id;
    }

    private static void interruptWhileExecuting(WsRecorder ws, String promptId, String node) {
        ws.await(m -> m.path("type").asText().equals("executing") && m.path("data").path("node").asText().equals(node)
                && m.path("data").path("prompt_id").asText().equals(promptId), Duration.ofSeconds(10));
    }

    private static List<String> types(List<JsonNode> events) {
        return events.stream().map(m -> m.get("type").asText() + (m.get("type").asText().startsWith("execut")
                && m.get("data").has("node") ? ":" + m.get("data").get("node").asText() : "")).toList();
    }

    private static final String INVERT = "{\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 8, \"height\": 8, \"batch_size\": 1, \"color\": 0}},"
            + "\"2\": {\"class_type\": \"ImageInvert\", \"inputs\": {\"image\": [\"1\", 0]}},"
            + "\"3\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"2\", 0], \"filename_prefix\": \"i\"}}}";

    private static String saved(int color, String prefix) {
        return "{\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 8, \"height\": 8, \"batch_size\": 1, \"color\": "
                + color + "}}, \"2\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"1\", 0], \"filename_prefix\": \""
                + prefix + "\"}}}";
    }

    @Test
    void aNodeThatIsNotASamplerRunsToItsEndAndThePromptStopsAtTheNextNode() {
        start(NODE_MILLIS);
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            String id = submit("p", graph(INVERT));
            interruptWhileExecuting(ws, id, "1");
            assertEquals(200, api.post("/interrupt", "{}").status());
            ws.awaitDone(id);
            List<JsonNode> events = ws.messagesFor(id);
            JsonNode interrupted = events.get(events.size() - 2);
            assertEquals("execution_interrupted", interrupted.get("type").asText(), types(events).toString());
            assertEquals("2", interrupted.get("data").get("node_id").asText(), "node 1 was not cut short");
            assertEquals("ImageInvert", interrupted.get("data").get("node_type").asText());
            assertEquals("[\"1\"]", interrupted.get("data").get("executed").toString());
            assertTrue(types(events).containsAll(List.of("executing:1", "executing:2")),
                    "node 2 was announced, then stopped before it ran: " + types(events));
            JsonNode lastState = events.stream().filter(m -> m.get("type").asText().equals("progress_state"))
                    .reduce((a, b) -> b).orElseThrow().get("data").get("nodes");
            assertEquals("finished", lastState.get("1").get("state").asText());
            assertEquals("running", lastState.get("2").get("state").asText());
            assertEquals(List.of(PromptFate.INTERRUPTED), sim.fates(id));
            assertEquals(0, api.get("/history/" + id).json().get(id).get("outputs").size());
        }
    }

    @Test
    void anInterruptDuringTheLastNodeComesTooLateAndThePromptSucceeds() throws Exception {
        start(NODE_MILLIS);
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            String id = submit("late", graph(saved(0, "late")));
            interruptWhileExecuting(ws, id, "2");
            assertEquals(200, api.post("/interrupt", "{}").status());
            ws.awaitDone(id);
            List<String> types = types(ws.messagesFor(id));
            assertEquals(List.of("executed:2", "progress_state", "execution_success", "executing:null"),
                    types.subList(types.size() - 4, types.size()));
            assertEquals(List.of(PromptFate.COMPLETED), sim.fates(id));
            assertTrue(Files.exists(sim.outputFile("late_00001_.png", "")));

            String next = submit("next", graph(saved(1, "next")));
            ws.awaitDone(next);
            assertEquals(List.of(PromptFate.COMPLETED), sim.fates(next), "a new prompt starts with the flag cleared");
        }
    }

    @Test
    void aSamplerStillStopsWithinItsSteps() {
        start(1);
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            String id = submit("sampling", SampleWorkflows.small(3, 500));
            ws.await(m -> m.path("type").asText().equals("progress") && m.path("data").path("value").asInt() >= 2, Duration.ofSeconds(20));
            assertEquals(200, api.post("/interrupt", "{}").status());
            ws.awaitDone(id);
            List<JsonNode> events = ws.messagesFor(id);
            JsonNode interrupted = events.get(events.size() - 2).get("data");
            assertEquals("3", interrupted.get("node_id").asText());
            long steps = events.stream().filter(m -> m.get("type").asText().equals("progress")).count();
            assertTrue(steps < 500, steps + " of 500 steps ran");
            assertFalse(types(events).contains("executed:9"));
        }
    }
}
