package com.comfyjobs.simulator.webhook;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One event as a webhook body: the WebSocket message wrapped as SaladTechnologies/comfyui-api does,
 * {"event": "comfy." + type, "data": {"type": type, "data": ...}, "metadata": {...}}, encoded once when
 * the event happens so later changes cannot leak into it.
 */
record Envelope(long sequence, String type, String promptId, byte[] body) {

    static Envelope of(long sequence, String type, ObjectNode data) {
        ObjectNode envelope = Json.object();
        envelope.put("event", "comfy." + type);
        ObjectNode message = envelope.putObject("data");
        message.put("type", type);
        message.set("data", data);
        envelope.putObject("metadata").put("source", "comfyui-simulator");
        String promptId = data.hasNonNull("prompt_id") ? data.get("prompt_id").asText() : null;
        return new Envelope(sequence, type, promptId, Json.compact(envelope));
    }
}
