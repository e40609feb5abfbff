package com.comfyjobs.comfyui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * GET /queue: the prompt ids running now and waiting, in ComfyUI's order, and each one's
 * {@code extra_data} (what the sender attached: our jobId, userId and attempt).
 */
public record QueueSnapshot(List<String> running, List<String> pending, Map<String, JsonNode> extraData) {
    public enum Place {
        RUNNING,
        PENDING,
        ABSENT
    }

    public QueueSnapshot {
        running = List.copyOf(running);
        pending = List.copyOf(pending);
        extraData = Map.copyOf(extraData);
    }

    public QueueSnapshot(List<String> running, List<String> pending) {
        this(running, pending, Map.of());
    }

    /** The extra data the prompt was queued with; a missing node when it is not queued or carried none. */
    public JsonNode extraDataOf(String promptId) {
        return extraData.getOrDefault(promptId, MissingNode.getInstance());
    }

    public Place find(String promptId) {
        if (running.contains(promptId)) {
            return Place.RUNNING;
        }
        return pending.contains(promptId) ? Place.PENDING : Place.ABSENT;
    }

    /** Queue items are tuples [number, prompt_id, graph, extra_data, outputs]. */
    static QueueSnapshot parse(JsonNode body) {
        Map<String, JsonNode> extra = new HashMap<>();
        for (String area : List.of("queue_running", "queue_pending")) {
            for (JsonNode item : body.path(area)) {
                if (item.isArray() && item.size() > 3 && item.get(3).isObject()) {
                    extra.put(item.get(1).asText(), item.get(3));
                }
            }
        }
        return new QueueSnapshot(ids(body.path("queue_running")), ids(body.path("queue_pending")), extra);
    }

    private static List<String> ids(JsonNode items) {
        List<String> out = new ArrayList<>();
        for (JsonNode item : items) {
            if (item.isArray() && item.size() > 1) {
                out.add(item.get(1).asText());
            }
        }
        return out;
    }
}
