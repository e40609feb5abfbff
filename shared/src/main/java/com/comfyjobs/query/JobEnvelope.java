package com.comfyjobs.query;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Objects;

/**
 * The one message shape every push uses, callbacks and WebSocket alike:
 * {@code {"type": "job.succeeded", "timestamp": "...", "data": <the job exactly as GET /jobs/{id}
 * returns it>}}, so a caller parses one thing whichever way it listens.
 */
public record JobEnvelope(JobEventType type, Instant timestamp, JobView job) {
    public JobEnvelope {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(job, "job");
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("type", type.wire());
        o.put("timestamp", JobJson.timestamp(timestamp));
        o.set("data", JobJson.view(job));
        return o;
    }
}
