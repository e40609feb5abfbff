package com.comfyjobs.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.simulator.engine.PromptFate;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FaultsTest {
    private ComfyUiSimulator sim;
    private TestApi api;

    @BeforeEach
    void start() {
        sim = ComfyUiSimulator.builder().port(0).stepMillis(5).nodeMillis(1).randomSeed(3).build().start();
        api = new TestApi(sim);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private String submit(long seed, int steps, String clientId) {
        return api.post("/prompt", SampleWorkflows.request(SampleWorkflows.small(seed, steps), clientId)).json().get("prompt_id").asText();
    }

    @Test
    void restartWipesQueueHistoryAndSocketsButKeepsFiles() {
        String done = submit(1, 1, null);
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            String running = submit(2, 400, "c");
            ws.await(m -> m.get("type").asText().equals("progress"), Duration.ofSeconds(5));
            String pending = submit(3, 1, "c");
            assertEquals(200, Uploads.upload(api, "in.png", new byte[] {1}, "input", "comfyjobs/j-1", true).status());
            sim.faults().restart();
            assertTrue(ws.awaitClosed(Duration.ofSeconds(5)), "restart disconnects WebSocket clients");
            int seen = ws.messages().size();
            assertEquals("{\"queue_running\": [], \"queue_pending\": []}", api.get("/queue").text());
            assertEquals("{}", api.get("/history").text());
            assertEquals("{}", api.get("/history/" + done).text());
            assertTrue(Files.isRegularFile(sim.outputFile("ComfyUI_00001_.png", "")), "files survive a restart");
            assertTrue(Files.isRegularFile(sim.inputDir().resolve("comfyjobs/j-1/in.png")), "uploaded inputs survive a restart");
            assertEquals(1, sim.executionCount(running));
            assertEquals(0, sim.executionCount(pending));
            assertEquals(List.of(done, running, pending), sim.submittedPrompts());
            assertEquals(List.of(PromptFate.COMPLETED), sim.fates(done));
            assertEquals(List.of(PromptFate.LOST), sim.fates(running));
            assertEquals(List.of(PromptFate.LOST), sim.fates(pending));
            assertTrue(sim.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(seen, ws.messages().size(), "the abandoned prompt sends nothing more");

            JsonNode again = api.post("/prompt", SampleWorkflows.request(SampleWorkflows.small(1, 1), null)).json();
            assertEquals(0, again.get("number").asInt(), "a fresh process counts from 0 again");
            assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
            String id = again.get("prompt_id").asText();
            JsonNode entry = api.get("/history/" + id).json().get(id);
            assertEquals("[]", entry.get("status").get("messages").get(1).get(1).get("nodes").toString(), "restart clears the cache");
            assertEquals("ComfyUI_00002_.png", entry.get("outputs").get("9").get("images").get(0).get("filename").asText(),
                    "the counter continues from the files on disk");
        }
    }

    @Test
    void crashMidNodeNeverSendsATerminalEvent() {
        sim.faults().crashNextPrompt();
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            String id = submit(1, 10, "c");
            ws.await(m -> m.get("type").asText().equals("progress") && m.get("data").get("value").asInt() == 5, Duration.ofSeconds(5));
            String queued = submit(2, 1, "c");
            assertFalse(sim.awaitIdle(Duration.ofMillis(300)));
            JsonNode queue = api.get("/queue").json();
            assertEquals(id, queue.get("queue_running").get(0).get(1).asText());
            assertEquals(queued, queue.get("queue_pending").get(0).get(1).asText());
            assertTrue(ws.messagesFor(id).stream().noneMatch(m -> List.of("execution_success", "execution_error",
                    "execution_interrupted").contains(m.get("type").asText())));
            assertTrue(ws.messagesFor(id).stream().noneMatch(m -> m.get("type").asText().equals("progress")
                    && m.get("data").get("value").asInt() > 5), "stopped halfway through the sampler");
            assertEquals("{}", api.get("/history/" + id).text());
            api.post("/interrupt", "{}");
            assertFalse(sim.awaitIdle(Duration.ofMillis(100)), "a crashed worker does not even see interrupts");

            sim.faults().restart();
            String after = submit(3, 1, null);
            assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
            assertEquals("success", api.get("/history/" + after).json().get(after).get("status").get("status_str").asText());
            assertEquals(1, sim.executionCount(id));
        }
    }

    @Test
    void crashMidNodeStaysOnUntilTurnedOff() {
        sim.faults().crashMidNode(true);
        String first = submit(1, 4, null);
        assertFalse(sim.awaitIdle(Duration.ofMillis(200)));
        sim.faults().restart();
        String second = submit(2, 4, null);
        assertFalse(sim.awaitIdle(Duration.ofMillis(200)));
        assertEquals(second, api.get("/queue").json().get("queue_running").get(0).get(1).asText());
        sim.faults().crashMidNode(false);
        sim.faults().restart();
        submit(3, 1, null);
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        assertEquals(1, sim.executionCount(first));
    }

    @Test
    void stopListeningRefusesConnectionsThenRecoversOnTheSamePort() {
        int port = sim.port();
        sim.faults().stopListening();
        UncheckedIOException refused = assertThrows(UncheckedIOException.class, () -> api.get("/prompt"));
        assertTrue(refused.getCause() instanceof ConnectException, String.valueOf(refused.getCause()));
        sim.faults().startListening();
        assertEquals(port, sim.port());
        assertEquals(200, api.get("/prompt").status());
    }

    @Test
    void stopListeningOverHttpComesBackByItself() throws InterruptedException {
        assertEquals(200, api.post("/_sim/faults", "{\"stopListeningMillis\": 1000}").status());
        // The listener closes just after that answer and stays closed for a second: a request refused in
        // that second proves it closed, however slowly this machine runs the test.
        long closedUntil = System.currentTimeMillis() + 1000;
        boolean refused = false;
        while (!refused && System.currentTimeMillis() < closedUntil) {
            try {
                api.get("/prompt");
                Thread.sleep(20);
            } catch (UncheckedIOException expected) {
                refused = true;
            }
        }
        assertTrue(refused, "the simulator kept listening");
        long deadline = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < deadline) {
            try {
                assertEquals(200, api.get("/prompt").status());
                return;
            } catch (UncheckedIOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("never listened again");
    }

    @Test
    void slowResponsesDelayEveryAnswerButAdminRoutes() {
        sim.faults().slowResponses(Duration.ofMillis(300));
        long start = System.nanoTime();
        assertEquals(200, api.get("/prompt").status());
        assertTrue(System.nanoTime() - start >= 290_000_000L);
        start = System.nanoTime();
        assertEquals(200, api.get("/_sim/stats").status());
        assertTrue(System.nanoTime() - start < 250_000_000L);
        sim.faults().slowResponses(Duration.ZERO);
    }

    @Test
    void serverErrorsAnswer500WithoutDoingAnything() {
        sim.faults().serverErrors(true);
        TestApi.Response response = api.post("/prompt", SampleWorkflows.request(SampleWorkflows.small(1, 1), null));
        assertEquals(500, response.status());
        assertEquals(500, api.get("/history/x").status());
        assertEquals(500, api.get("/api/queue").status());
        assertEquals(List.of(), sim.submittedPrompts());
        sim.faults().serverErrors(false);
        assertEquals(200, api.get("/queue").status());

        sim.faults().serverErrorPercent(50);
        int failures = 0;
        for (int i = 0; i < 40; i++) {
            failures += api.get("/prompt").status() == 500 ? 1 : 0;
        }
        assertTrue(failures > 5 && failures < 35, "about half fail: " + failures);
    }

    @Test
    void view404view403AndHistoryEviction() {
        String id = submit(1, 1, null);
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        sim.faults().view404(true);
        assertEquals(404, api.get("/view?filename=ComfyUI_00001_.png").status());
        sim.faults().view404(false);
        sim.faults().view403(true);
        assertEquals(403, api.get("/view?filename=ComfyUI_00001_.png").status());
        sim.faults().view403(false);
        assertEquals(200, api.get("/view?filename=ComfyUI_00001_.png").status());
        sim.faults().evictHistory(id);
        assertEquals("{}", api.get("/history/" + id).text());
        submit(2, 1, null);
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        sim.faults().evictAllHistory();
        assertEquals("{}", api.get("/history").text());
    }

    @Test
    void adminRoutesSwitchKnobsAndReportStats() {
        TestApi.Response faults = api.post("/_sim/faults",
                "{\"holdQueue\": true, \"failNode\": {\"target\": \"8\", \"exceptionType\": \"RuntimeError\", \"message\": \"boom\"}}");
        assertEquals(200, faults.status());
        assertTrue(faults.json().get("holdQueue").asBoolean());
        assertEquals("8", faults.json().get("failNode").get("target").asText());
        String id = submit(1, 1, null);
        assertEquals(1, api.get("/queue").json().get("queue_pending").size());
        api.post("/_sim/faults", "{\"holdQueue\": false}");
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        JsonNode messages = api.get("/history/" + id).json().get(id).get("status").get("messages");
        JsonNode error = messages.get(messages.size() - 1).get(1);
        assertEquals("8", error.get("node_id").asText());
        assertEquals("RuntimeError", error.get("exception_type").asText());
        assertEquals("boom\n", error.get("exception_message").asText());

        JsonNode stats = api.get("/_sim/stats").json();
        assertEquals(1, stats.get("executions").get(id).asInt());
        assertEquals(1, stats.get("totalExecutions").asInt());
        assertEquals(id, stats.get("submittedPrompts").get(0).asText());
        assertTrue(stats.get("webhook").has("delivered"));

        assertEquals(400, api.post("/_sim/faults", "{\"noSuchKnob\": 1}").status());
        assertEquals(200, api.post("/_sim/restart", "").status());
        assertEquals("{}", api.get("/history").text());
    }
}
