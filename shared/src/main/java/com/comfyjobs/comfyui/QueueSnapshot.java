package com.comfyjobs.comfyui;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** GET /queue: the prompt ids running now and waiting, in ComfyUI's order. */
public record QueueSnapshot(List<String> running, List<String> pending) {
    public enum Place {
        RUNNING,
        PENDING,
        ABSENT
    }

    public QueueSnapshot {
        running = List.copyOf(running);
        pending = List.copyOf(pending);
    }

    public Place find(String promptId) {
        if (running.contains(promptId)) {
            return Place.RUNNING;
        }
        return pending.contains(promptId) ? Place.PENDING : Place.ABSENT;
    }

    /** Queue items are tuples [number, prompt_id, graph, extra_data, outputs]. */
    static QueueSnapshot parse(JsonNode body) {
        return new QueueSnapshot(ids(body.path("queue_running")), ids(body.path("queue_pending")));
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
