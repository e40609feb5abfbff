package com.comfyjobs.progress;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a delivery body: one envelope {@code {"event": "comfy.<type>", "data": {"type", "data"}}}
 * (ComfyUI's WebSocket message wrapped unchanged, as SaladTechnologies/comfyui-api's system webhooks
 * and our bridge in infra/comfyui-webhook send it) or a JSON array of them. Envelopes whose event does not start with
 * {@code comfy.} (a sender's own prompt webhooks) are skipped, not errors.
 */
final class WebhookEnvelopes {
    /** Deeper bodies are not ComfyUI's; the limit keeps a hostile body from costing stack. */
    private static final int MAX_DEPTH = 64;
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private WebhookEnvelopes() {
    }

    public static List<ComfyEvent> parse(byte[] body, String webhookId) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new MalformedWebhookException("body is not valid JSON");
        }
        if (root == null || root.isMissingNode()) {
            throw new MalformedWebhookException("body is empty");
        }
        List<ComfyEvent> events = new ArrayList<>();
        if (root.isArray()) {
            if (root.isEmpty()) {
                throw new MalformedWebhookException("batch is empty");
            }
            for (int i = 0; i < root.size(); i++) {
                add(events, root.get(i), webhookId + ":" + i);
            }
        } else {
            add(events, root, webhookId + ":0");
        }
        return events;
    }

    private static void add(List<ComfyEvent> events, JsonNode envelope, String eventId) {
        if (!envelope.isObject()) {
            throw new MalformedWebhookException("an envelope must be a JSON object");
        }
        JsonNode event = envelope.get("event");
        if (event == null || !event.isTextual()) {
            throw new MalformedWebhookException("envelope lacks the \"event\" string");
        }
        if (!event.asText().startsWith("comfy.")) {
            return;
        }
        JsonNode message = envelope.get("data");
        if (message == null || !message.isObject() || !message.path("type").isTextual() || !message.path("data").isObject()) {
            throw new MalformedWebhookException("envelope \"data\" must be {\"type\": string, \"data\": object}");
        }
        events.add(new ComfyEvent(eventId, message.get("type").asText(), message.get("data")));
    }
}
