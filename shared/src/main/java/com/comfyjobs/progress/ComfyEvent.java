package com.comfyjobs.progress;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One ComfyUI WebSocket message carried by a webhook envelope: its type (execution_start,
 * progress, ...), its data, and the delivery's event id (webhook-id, plus the position when the
 * delivery was a batch), which is what deduplication keys on.
 */
record ComfyEvent(String eventId, String type, JsonNode data) {
    /** The prompt the event is about, or null (status messages are about no prompt). */
    public String promptId() {
        JsonNode p = data.get("prompt_id");
        return p != null && p.isTextual() ? p.asText() : null;
    }
}
