package com.comfyjobs.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebhookTest {
    private final String key = Base64.getEncoder().encodeToString(randomBytes());
    private final String secret = "whsec_" + key;
    private WebhookReceiver receiver;
    private ComfyUiSimulator sim;
    private TestApi api;

    private static byte[] randomBytes() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    @BeforeEach
    void receiver() throws IOException {
        receiver = new WebhookReceiver(secret);
    }

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
        receiver.close();
        assertEquals(List.of(), receiver.verificationFailures(), "every delivery verifies");
    }

    /** Every event, each in a POST of its own, at once: the delivery tests choose coalescing and batching themselves. */
    private WebhookOptions.Builder options() {
        return WebhookOptions.builder().url(receiver.url()).secret(secret).initialBackoffMillis(10).maxBackoffMillis(50)
                .events(WebhookOptions.ALL_EVENTS).coalesceMillis(0).batchSize(1);
    }

    private void start(WebhookOptions options, int stepMillis) {
        sim = ComfyUiSimulator.builder().port(0).stepMillis(stepMillis).nodeMillis(0).randomSeed(1234).webhook(options).build().start();
        api = new TestApi(sim);
    }

    private String run(WsRecorder ws, long seed, int steps) {
        String id = api.post("/prompt", SampleWorkflows.request(SampleWorkflows.small(seed, steps), "c")).json().get("prompt_id").asText();
        ws.awaitDone(id);
        assertTrue(sim.awaitIdle(Duration.ofSeconds(15)));
        return id;
    }

    /** The WebSocket messages that went through send_sync (all but the greeting status). */
    private static List<JsonNode> sent(WsRecorder ws) {
        return ws.messages().subList(1, ws.messages().size());
    }

    private static Set<String> promptsOf(WebhookReceiver.Delivery delivery) {
        Set<String> prompts = new HashSet<>();
        delivery.json().forEach(e -> prompts.add(e.get("data").get("data").path("prompt_id").asText("")));
        return prompts;
    }

    private static List<JsonNode> wrapped(List<JsonNode> envelopes) {
        return envelopes.stream().map(e -> e.get("data")).toList();
    }

    @Test
    void everyEventArrivesSignedInSaladsEnvelopeInOrder() {
        start(options().build(), 1);
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            run(ws, 1, 5);
            List<JsonNode> envelopes = receiver.envelopes();
            assertEquals(sent(ws), wrapped(envelopes));
            for (JsonNode envelope : envelopes) {
                assertEquals(List.of("event", "data", "metadata"), ExecutionTest.names(envelope));
                assertEquals("comfy." + envelope.get("data").get("type").asText(), envelope.get("event").asText());
                assertEquals("comfyui-simulator", envelope.get("metadata").get("source").asText());
            }
            Set<String> ids = new HashSet<>();
            for (WebhookReceiver.Delivery delivery : receiver.deliveries()) {
                assertTrue(delivery.id().matches("msg_[A-Za-z0-9_-]{16}_[1-9][0-9]*"), delivery.id());
                assertTrue(Math.abs(delivery.timestamp() - System.currentTimeMillis() / 1000) < 60);
                assertTrue(delivery.headers().get("webhook-signature").get(0).startsWith("v1,"));
                assertEquals("application/json", delivery.headers().get("content-type").get(0));
                ids.add(delivery.id());
            }
            assertEquals(receiver.deliveries().size(), ids.size(), "a fresh webhook-id per delivery");
            WebhookStats stats = sim.webhookStats();
            assertEquals(envelopes.size(), stats.delivered());
            assertEquals(stats.delivered(), stats.attempted());
        }
    }

    @Test
    void plainBase64SecretsWorkToo() {
        start(options().secret(key).build(), 0);
        sim.faults().holdQueue(true);
        api.post("/prompt", SampleWorkflows.request(SampleWorkflows.small(1, 1), null));
        receiver.awaitDeliveries(1, 5000);
        assertEquals("comfy.status", receiver.deliveries().get(0).json().get("event").asText());
    }

    @Test
    void retriesKeepTheIdAndRefreshTimestampAndSignature() {
        receiver.answer(503, "1");
        receiver.answer(500, null);
        start(options().build(), 0);
        sim.faults().holdQueue(true);
        api.post("/prompt", SampleWorkflows.request(SampleWorkflows.small(1, 1), null));
        receiver.awaitDeliveries(3, 10_000);
        List<WebhookReceiver.Delivery> attempts = receiver.deliveries();
        assertEquals(attempts.get(0).id(), attempts.get(1).id());
        assertEquals(attempts.get(0).id(), attempts.get(2).id());
        assertTrue(attempts.get(1).timestamp() > attempts.get(0).timestamp(), "Retry-After: 1 was honoured and the timestamp is fresh");
        assertNotEquals(attempts.get(0).headers().get("webhook-signature"), attempts.get(1).headers().get("webhook-signature"));
        assertEquals(attempts.get(0).body(), attempts.get(2).body());
        assertEquals(200, attempts.get(2).answered());
        WebhookStats stats = awaitStats(s -> s.delivered() == 1);
        assertEquals(3, stats.attempted());
        assertEquals(2, stats.retries());
        assertEquals(1, stats.delivered());
    }

    /** The receiver sees a request before the sender has read its answer; wait for the sender's count. */
    private WebhookStats awaitStats(Predicate<WebhookStats> condition) {
        long deadline = System.currentTimeMillis() + 5000;
        WebhookStats stats = sim.webhookStats();
        while (!condition.test(stats) && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            stats = sim.webhookStats();
        }
        return stats;
    }

    @Test
    void goneStopsDeliveriesAndOtherClientErrorsAreNotRetried() {
        receiver.answer(400, null);
        receiver.answer(410, null);
        start(options().build(), 0);
        sim.faults().holdQueue(true);
        api.post("/prompt", SampleWorkflows.request(SampleWorkflows.small(1, 1), null));
        receiver.awaitDeliveries(1, 5000);
        api.post("/prompt", SampleWorkflows.request(SampleWorkflows.small(2, 1), null));
        receiver.awaitDeliveries(2, 5000);
        api.post("/prompt", SampleWorkflows.request(SampleWorkflows.small(3, 1), null));
        api.post("/prompt", SampleWorkflows.request(SampleWorkflows.small(4, 1), null));
        sim.faults().holdQueue(false);
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        assertEquals(2, receiver.deliveries().size(), "nothing after 410");
        assertNotEquals(receiver.deliveries().get(0).id(), receiver.deliveries().get(1).id(), "the 400 was not retried");
        assertEquals(2, sim.webhookStats().failed());

        sim.webhook(sim.webhookOptions());
        api.post("/prompt", SampleWorkflows.request(SampleWorkflows.small(5, 1), null));
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        assertTrue(receiver.deliveries().size() > 2, "configuring the webhook again resumes deliveries");
    }

    @Test
    void unreachableReceiverIsRetriedThenGivenUp() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        start(options().url("http://127.0.0.1:" + closedPort + "/hook").maxAttempts(3).build(), 0);
        sim.faults().holdQueue(true);
        api.post("/prompt", SampleWorkflows.request(SampleWorkflows.small(1, 1), null));
        sim.faults().holdQueue(false);
        assertTrue(sim.awaitIdle(Duration.ofSeconds(15)));
        WebhookStats stats = sim.webhookStats();
        assertTrue(stats.failed() > 0);
        assertEquals(stats.failed() * 3, stats.attempted());
        assertEquals(stats.failed() * 2, stats.retries());
        assertEquals(0, stats.delivered());
    }

    @Test
    void coalescingLimitsProgressButKeepsTerminalEvents() {
        start(options().coalesceMillis(60_000).build(), 1);
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            String id = run(ws, 1, 20);
            List<JsonNode> received = wrapped(receiver.envelopes());
            List<JsonNode> progress = received.stream().filter(m -> m.get("type").asText().equals("progress")).toList();
            assertEquals(2, progress.size(), "the first progress, then the latest flushed before the next other event");
            assertEquals(1, progress.get(0).get("data").get("value").asInt());
            assertEquals(20, progress.get(1).get("data").get("value").asInt());
            List<JsonNode> others = received.stream().filter(m -> !m.get("type").asText().startsWith("progress")).toList();
            List<JsonNode> expected = sent(ws).stream().filter(m -> !m.get("type").asText().startsWith("progress")).toList();
            assertEquals(expected, others, "no other event is held back or lost");
            int success = indexOf(received, "execution_success");
            assertTrue(received.subList(success, received.size()).stream().noneMatch(m -> m.get("type").asText().startsWith("progress")),
                    "held progress is flushed before the terminal event");
            assertEquals(id, received.get(received.size() - 1).get("data").get("prompt_id").asText());
            assertTrue(sim.webhookStats().coalesced() > 0);
        }
    }

    private static boolean isSubsequence(List<JsonNode> part, List<JsonNode> whole) {
        int next = 0;
        for (JsonNode message : whole) {
            if (next < part.size() && part.get(next).equals(message)) {
                next++;
            }
        }
        return next == part.size();
    }

    private static int indexOf(List<JsonNode> messages, String type) {
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).get("type").asText().equals(type)) {
                return i;
            }
        }
        throw new AssertionError(type + " not found");
    }

    @Test
    void theBridgesDefaultsSendWhatTheReceiverAppliesWithTheLatestProgress() {
        start(WebhookOptions.builder().url(receiver.url()).secret(secret).build(), 1);
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            run(ws, 1, 30);
            List<JsonNode> received = wrapped(receiver.envelopes());
            List<JsonNode> expected = sent(ws).stream().filter(m -> WebhookOptions.DEFAULT_EVENTS.contains(m.get("type").asText())).toList();
            Predicate<JsonNode> progress = m -> m.get("type").asText().equals("progress_state");
            assertEquals(expected.stream().filter(progress.negate()).toList(), received.stream().filter(progress.negate()).toList(),
                    "every lifecycle event of the default types, in order, and nothing else");
            List<JsonNode> states = received.stream().filter(progress).toList();
            List<JsonNode> statesSent = expected.stream().filter(progress).toList();
            assertTrue(states.size() < statesSent.size() / 4, states.size() + " of " + statesSent.size() + " progress_state sent");
            assertEquals(statesSent.get(statesSent.size() - 1), states.get(states.size() - 1), "the latest progress is never held back");
            assertTrue(receiver.deliveries().stream().allMatch(d -> d.json().isArray()), "batched: every body is an array");
            assertTrue(receiver.deliveries().size() < received.size(), "some POSTs carry several events");
        }
    }

    @Test
    void batchingSendsArraysUnderOneId() {
        receiver.delay(20);
        start(options().batchSize(5).build(), 1);
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            run(ws, 1, 10);
            List<WebhookReceiver.Delivery> deliveries = receiver.deliveries();
            assertTrue(deliveries.stream().allMatch(d -> d.json().isArray()), "every body is an array, even of one");
            assertTrue(deliveries.stream().anyMatch(d -> d.json().size() > 1));
            assertTrue(deliveries.stream().allMatch(d -> d.json().size() <= 5));
            assertTrue(deliveries.stream().allMatch(d -> promptsOf(d).size() == 1), "one prompt (or none) per batch");
            Predicate<JsonNode> ofPrompt = m -> m.get("data").hasNonNull("prompt_id");
            assertEquals(sent(ws).stream().filter(ofPrompt).toList(), wrapped(receiver.envelopes()).stream().filter(ofPrompt).toList(),
                    "the prompt's events in order");
            assertEquals(sent(ws).stream().filter(ofPrompt.negate()).toList(),
                    wrapped(receiver.envelopes()).stream().filter(ofPrompt.negate()).toList(), "the status events in order");
            assertEquals(deliveries.size(), sim.webhookStats().delivered());
        }
    }

    @Test
    void dropKnobLosesDeliveriesReproducibly() {
        start(options().dropPercent(50).build(), 1);
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            run(ws, 1, 10);
            WebhookStats stats = sim.webhookStats();
            assertTrue(stats.dropped() > 0);
            assertEquals(sent(ws).size(), stats.dropped() + stats.delivered());
            assertEquals(stats.delivered(), receiver.deliveries().size());
            assertTrue(isSubsequence(wrapped(receiver.envelopes()), sent(ws)), "what arrives is still in order");
        }
    }

    @Test
    void duplicateKnobSendsTheSameDeliveryTwice() {
        start(options().duplicatePercent(50).build(), 1);
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            run(ws, 1, 10);
            WebhookStats stats = sim.webhookStats();
            assertTrue(stats.duplicated() > 0);
            List<WebhookReceiver.Delivery> deliveries = receiver.deliveries();
            assertEquals(stats.delivered() + stats.duplicated(), deliveries.size());
            Set<String> ids = new HashSet<>();
            int repeats = 0;
            for (WebhookReceiver.Delivery delivery : deliveries) {
                if (!ids.add(delivery.id())) {
                    repeats++;
                    String body = deliveries.stream().filter(d -> d.id().equals(delivery.id())).findFirst().orElseThrow().body();
                    assertEquals(body, delivery.body());
                }
            }
            assertEquals(stats.duplicated(), repeats);
        }
    }

    @Test
    void reorderKnobLetsDeliveriesOvertakeButLosesNothing() {
        receiver.delay(15);
        start(options().reorder(true).build(), 1);
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            run(ws, 1, 20);
            List<JsonNode> received = wrapped(receiver.envelopes());
            List<JsonNode> emitted = sent(ws);
            assertEquals(emitted.size(), received.size());
            assertTrue(received.containsAll(emitted) && emitted.containsAll(received));
            assertNotEquals(emitted, received, "some deliveries overtook others");
        }
    }

    @Test
    void webhookCanBeConfiguredAfterStart() {
        sim = ComfyUiSimulator.builder().port(0).stepMillis(0).nodeMillis(0).build().start();
        api = new TestApi(sim);
        api.post("/prompt", SampleWorkflows.request(SampleWorkflows.small(1, 1), "c"));
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        assertEquals(0, receiver.deliveries().size());
        sim.webhook(options().build());
        String id = api.post("/prompt", SampleWorkflows.request(SampleWorkflows.small(2, 1), "c")).json().get("prompt_id").asText();
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        List<JsonNode> received = wrapped(receiver.envelopes());
        JsonNode last = received.get(received.size() - 1);
        assertEquals("executing", last.get("type").asText());
        assertEquals(id, last.get("data").get("prompt_id").asText());
        ObjectNode terminal = (ObjectNode) received.stream().filter(m -> m.get("type").asText().equals("execution_success"))
                .findFirst().orElseThrow().get("data");
        assertEquals(List.of("prompt_id", "timestamp"), ExecutionTest.names(terminal));
        assertEquals(Json.nodes().textNode(id), terminal.get("prompt_id"));
        List<String> types = new ArrayList<>();
        received.forEach(m -> types.add(m.get("type").asText()));
        assertTrue(types.contains("status"));
    }
}
