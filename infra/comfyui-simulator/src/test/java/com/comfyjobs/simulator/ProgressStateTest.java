package com.comfyjobs.simulator;

import static com.comfyjobs.simulator.Pictures.graph;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * progress_state's value and max with the JSON types ComfyUI 0.3.64 sends: a node's start sets them to
 * 0.0 and 1.0 and its finish copies max, so a node without a progress bar reports floats; a sampler's
 * steps are integers; a cached node, finished without being started, reports the integer 1 of a
 * fresh entry.
 */
class ProgressStateTest {
    private ComfyUiSimulator sim;
    private TestApi api;

    @BeforeEach
    void start() {
        sim = ComfyUiSimulator.builder().port(0).stepMillis(1).nodeMillis(1).build().start();
        api = new TestApi(sim);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private static final String BLUR = "{\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 8, \"height\": 8, \"batch_size\": 1, \"color\": 255}},"
            + "\"2\": {\"class_type\": \"ImageBlur\", \"inputs\": {\"image\": [\"1\", 0], \"blur_radius\": 2, \"sigma\": 1.0}},"
            + "\"3\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"2\", 0], \"filename_prefix\": \"p\"}}}";

    /** Every (node, state, value, max) of the prompt's progress_state messages, the numbers as their JSON text. */
    private static List<String> states(WsRecorder ws, String promptId) {
        List<String> states = new ArrayList<>();
        for (JsonNode message : ws.messagesFor(promptId)) {
            if (message.get("type").asText().equals("progress_state")) {
                message.get("data").get("nodes").properties().forEach(node -> states.add(node.getKey() + " "
                        + node.getValue().get("state").asText() + " " + text(node.getValue().get("value")) + "/" + text(node.getValue().get("max"))));
            }
        }
        return states;
    }

    private static String text(JsonNode number) {
        return number.isDouble() ? number.doubleValue() + "" : number.isInt() ? number.intValue() + "" : "not a number: " + number;
    }

    private String run(WsRecorder ws, String id, ObjectNode graph) {
        ObjectNode body = SampleWorkflows.request(graph, "c");
        body.put("prompt_id", id);
        assertEquals(200, api.post("/prompt", body).status());
        ws.awaitDone(id);
        return id;
    }

    @Test
    void nodesWithoutAProgressBarReportFloats() {
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            List<String> states = states(ws, run(ws, "blur", graph(BLUR)));
            assertEquals(List.of("1 running 0.0/1.0",
                    "1 finished 1.0/1.0",
                    "1 finished 1.0/1.0", "2 running 0.0/1.0",
                    "1 finished 1.0/1.0", "2 finished 1.0/1.0",
                    "1 finished 1.0/1.0", "2 finished 1.0/1.0", "3 running 0.0/1.0",
                    "1 finished 1.0/1.0", "2 finished 1.0/1.0", "3 finished 1.0/1.0"), states);
        }
    }

    @Test
    void aSamplersStepsAreIntegersAndACachedNodeFinishesWithTheIntegerOne() {
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            List<String> sampler = states(ws, run(ws, "txt2img", SampleWorkflows.small(5, 2))).stream()
                    .filter(state -> state.startsWith("3 ")).distinct().toList();
            assertEquals(List.of("3 running 0.0/1.0", "3 running 1/2", "3 running 2/2", "3 finished 2/2"), sampler);

            run(ws, "first", graph(BLUR));
            assertEquals(List.of("3 finished 1/1"), states(ws, run(ws, "again", graph(BLUR))),
                    "an identical prompt re-runs nothing: only the cached output node reports, finished from a fresh entry");
            assertTrue(states(ws, "first").contains("2 finished 1.0/1.0"));
        }
    }
}
