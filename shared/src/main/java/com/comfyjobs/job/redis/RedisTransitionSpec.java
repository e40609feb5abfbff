package com.comfyjobs.job.redis;

import com.comfyjobs.job.GraphUpdate;
import com.comfyjobs.job.JobOutput;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.Listening;
import com.comfyjobs.job.Transition;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;

/** Writes a {@link Transition} as the JSON argument transition.lua reads (see its header). */
final class RedisTransitionSpec {
    private final ObjectMapper json;
    private final JobHashCodec codec;

    RedisTransitionSpec(ObjectMapper json, JobHashCodec codec) {
        this.json = json;
        this.codec = codec;
    }

    String write(Transition t, Duration retention) {
        ObjectNode s = json.createObjectNode();
        s.put("op", t.opId());
        s.put("now", Long.toString(t.now().toEpochMilli()));
        s.put("retentionMs", retention.toMillis());
        if (t.expectStatus() != null) {
            ArrayNode a = s.putArray("expectStatus");
            t.expectStatus().stream().map(JobStatus::wire).sorted().forEach(a::add);
        }
        if (t.expectAttempt() != null) {
            s.put("expectAttempt", t.expectAttempt());
        }
        if (t.expectUpdatedAt() != null) {
            s.put("expectUpdated", Long.toString(t.expectUpdatedAt().toEpochMilli()));
        }
        if (t.eventId() != null) {
            s.put("eventTtlMs", t.eventTtl().toMillis());
            NumberedEventId.parse(t.eventId()).ifPresent(n -> s.putObject("seen").put("group", n.group()).put("n", Long.toString(n.number())));
        }
        if (t.acquireLeaseUntil() != null) {
            s.put("lease", Long.toString(t.acquireLeaseUntil().toEpochMilli()));
            s.put("leaseBy", t.leaseOwner());
        }
        if (t.underLease() != null) {
            s.put("under", t.underLease());
        }
        flag(s, "releaseLease", t.releaseLease());
        if (t.status() != null) {
            s.put("status", t.status().wire());
        }
        if (t.statusIfCancelRequested() != null) {
            s.put("cancelStatus", t.statusIfCancelRequested().wire());
        }
        flag(s, "requestCancel", t.requestCancel());
        if (t.requeue() != null) {
            s.putObject("requeue").put("attempt", t.requeue().attempt()).put("server", t.requeue().server())
                    .put("prompt", t.requeue().promptId());
        }
        if (t.progress() != null) {
            s.put("progress", t.progress());
        }
        if (t.graph() != null) {
            graph(s.putObject("graph"), t.graph());
        }
        if (!t.addOutputs().isEmpty()) {
            ArrayNode a = s.putArray("addOutputs");
            for (JobOutput o : t.addOutputs()) {
                a.addObject().put("node", o.node()).put("filename", o.filename()).put("subfolder", o.subfolder()).put("type", o.type());
            }
            s.put("maxOutputs", t.maxOutputs());
            s.put("maxOutputBytes", JobOutput.LIST_MAX_BYTES);
        }
        if (t.artifacts() != null) {
            s.put("artifacts", codec.artifactsJson(t.artifacts()));
        }
        if (t.error() != null) {
            s.put("error", codec.errorJson(t.error()));
        }
        flag(s, "markSubmitted", t.markSubmitted());
        flag(s, "observed", t.observed());
        if (t.comfyServer() != null) {
            s.put("server", t.comfyServer());
        }
        if (t.characterId() != null) {
            s.put("char", t.characterId());
        }
        if (t.metadataJson() != null) {
            s.put("meta", t.metadataJson());
        }
        if (t.sentGraph() != null) {
            s.put("sent", t.sentGraph().stored());
        }
        flag(s, "returnJob", t.returnJob());
        flag(s, "returnJobWhenActedOn", t.returnJobWhenActedOn());
        if (t.visibleToOwner()) {
            s.put("push", true);
            s.put("pushGapMs", Listening.MIN_GAP.toMillis());
        }
        return codec.write(s);
    }

    private static void graph(ObjectNode g, GraphUpdate u) {
        if (!u.cached().isEmpty()) {
            ArrayNode a = g.putArray("cached");
            u.cached().forEach(a::add);
        }
        if (!u.finished().isEmpty()) {
            ArrayNode a = g.putArray("finished");
            u.finished().forEach(a::add);
        }
        if (u.executing() != null) {
            g.put("executing", u.executing());
        }
        if (u.running() != null) {
            g.putObject("running").put("node", u.running()).put("value", u.value()).put("max", u.max());
        }
    }

    private static void flag(ObjectNode s, String name, boolean value) {
        if (value) {
            s.put(name, true);
        }
    }
}
