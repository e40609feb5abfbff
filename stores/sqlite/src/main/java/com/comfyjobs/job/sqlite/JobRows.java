package com.comfyjobs.job.sqlite;

import com.comfyjobs.job.CallbackDelivery;
import com.comfyjobs.job.CallbackStatus;
import com.comfyjobs.job.Callbacks;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobError;
import com.comfyjobs.job.JobInput;
import com.comfyjobs.job.JobOutput;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.SentGraph;
import com.comfyjobs.job.Step;
import com.comfyjobs.job.StoredDataException;
import com.comfyjobs.job.Webhook;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The job as a row of the {@code jobs} table: one column per field, times as ISO-8601 text
 * ({@link IsoMillis}), lists and nested objects as JSON in the shapes the Redis hash uses, and a
 * job's callbacks (its webhook, then {@code cb_...}: the fields of {@link Callbacks}, null for a job
 * without a webhook) with {@code cb_outbox_at}, derived from them ({@link #outboxAt}). The store's own
 * columns (shard, ended, expiry, last op) are the store's business. Reading is strict: a value
 * this code does not understand is a {@link StoredDataException}, never a default.
 */
final class JobRows {
    /** The job's columns, in the order {@link #values} gives them. */
    static final List<String> COLUMNS = List.of("id", "user_id", "type", "character_id", "status", "progress", "current_node",
            "step_value", "step_max", "attempt", "comfy_server", "prompt_id", "created_at", "updated_at", "started_at",
            "finished_at", "heartbeat_at", "submitted_at", "lease_until", "lease_owner", "outputs", "artifacts", "error",
            "cancel_requested", "idempotency_key", "metadata", "node_count", "cached_nodes", "finished_nodes", "workflow_sha256",
            "workflow_bytes", "template", "template_version", "seed", "inputs", "sent_graph", "artifacts_deleted", "webhook", "cb_enqueued",
            "cb_progress_claimed_at", "cb_id", "cb_event", "cb_at", "cb_due", "cb_attempts", "cb_error", "cb_lease_until", "cb_lease_owner",
            "cb_finished", "cb_finished_attempts", "cb_finished_error", "cb_outbox_at", "gpu_ms");
    static final String SELECT = String.join(", ", COLUMNS);

    private final ObjectMapper json = new ObjectMapper();

    /** {@code j} as the file keeps it: times cut to milliseconds, so what a write answers is what a read gives. */
    static Job asStored(Job j) {
        return j.toBuilder()
                .createdAt(IsoMillis.truncate(j.createdAt())).updatedAt(IsoMillis.truncate(j.updatedAt()))
                .startedAt(IsoMillis.truncate(j.startedAt())).finishedAt(IsoMillis.truncate(j.finishedAt()))
                .heartbeatAt(IsoMillis.truncate(j.heartbeatAt())).submittedAt(IsoMillis.truncate(j.submittedAt()))
                .leaseUntil(IsoMillis.truncate(j.leaseUntil()))
                .callbacks(asStored(j.callbacks()))
                .build();
    }

    private static Callbacks asStored(Callbacks c) {
        if (c == null) {
            return null;
        }
        CallbackDelivery p = c.pending();
        CallbackDelivery pending = p == null ? null
                : new CallbackDelivery(p.id(), p.event(), IsoMillis.truncate(p.at()), IsoMillis.truncate(p.due()), p.attempts(), p.lastError());
        return new Callbacks(c.enqueued(), IsoMillis.truncate(c.progressClaimedAt()), pending, IsoMillis.truncate(c.leaseUntil()),
                c.leaseOwner(), c.finished(), c.finishedAttempts(), c.finishedError());
    }

    /**
     * When a job's waiting delivery is next up in its shard's outbox: its due time, or its claim's end
     * while a sender holds it (then nobody else takes it); null when none waits.
     */
    static Instant outboxAt(Callbacks c) {
        if (c == null || c.pending() == null) {
            return null;
        }
        Instant due = c.pending().due();
        return c.leaseUntil() != null && c.leaseUntil().isAfter(due) ? c.leaseUntil() : due;
    }

    /**
     * The job's value for each of {@link #COLUMNS}, in their order, as bound to a statement: text,
     * whole numbers, a double, or null. Two jobs whose values for a column are equal store the same
     * thing there, which is how a change finds the columns it has to write.
     */
    Map<String, Object> values(Job j) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", j.id());
        v.put("user_id", j.userId());
        v.put("type", j.type().wire());
        v.put("character_id", j.characterId());
        v.put("status", j.status().wire());
        v.put("progress", j.progress());
        v.put("current_node", j.currentNode());
        v.put("step_value", j.step() == null ? null : j.step().value());
        v.put("step_max", j.step() == null ? null : j.step().max());
        v.put("attempt", j.attempt());
        v.put("comfy_server", j.comfyServer());
        v.put("prompt_id", j.promptId());
        v.put("created_at", IsoMillis.format(j.createdAt()));
        v.put("updated_at", IsoMillis.format(j.updatedAt()));
        v.put("started_at", IsoMillis.format(j.startedAt()));
        v.put("finished_at", IsoMillis.format(j.finishedAt()));
        v.put("gpu_ms", j.gpuMillis());
        v.put("heartbeat_at", IsoMillis.format(j.heartbeatAt()));
        v.put("submitted_at", IsoMillis.format(j.submittedAt()));
        v.put("lease_until", IsoMillis.format(j.leaseUntil()));
        v.put("lease_owner", j.leaseOwner());
        v.put("outputs", outputsJson(j.outputs()));
        v.put("artifacts", artifactsJson(j.artifacts()));
        v.put("error", errorJson(j.error()));
        v.put("cancel_requested", j.cancelRequested() ? 1 : 0);
        v.put("idempotency_key", j.idempotencyKey());
        v.put("metadata", j.metadataJson());
        v.put("node_count", j.nodeCount());
        v.put("cached_nodes", write(json.valueToTree(j.cachedNodes())));
        v.put("finished_nodes", write(json.valueToTree(j.finishedNodes())));
        v.put("workflow_sha256", j.workflowSha256());
        v.put("workflow_bytes", j.workflowBytes());
        v.put("template", j.template());
        v.put("template_version", j.templateVersion());
        v.put("seed", j.seed());
        v.put("inputs", inputsJson(j.inputs()));
        v.put("sent_graph", j.sentGraph() == null ? null : j.sentGraph().stored());
        v.put("artifacts_deleted", j.artifactsDeleted() ? 1 : 0);
        Callbacks c = j.callbacks();
        CallbackDelivery p = c == null ? null : c.pending();
        v.put("webhook", webhookJson(j.webhook()));
        v.put("cb_enqueued", c == null ? null : c.enqueued());
        v.put("cb_progress_claimed_at", c == null ? null : IsoMillis.format(c.progressClaimedAt()));
        v.put("cb_id", p == null ? null : p.id());
        v.put("cb_event", p == null ? null : p.event());
        v.put("cb_at", p == null ? null : IsoMillis.format(p.at()));
        v.put("cb_due", p == null ? null : IsoMillis.format(p.due()));
        v.put("cb_attempts", p == null ? null : p.attempts());
        v.put("cb_error", p == null ? null : p.lastError());
        v.put("cb_lease_until", c == null ? null : IsoMillis.format(c.leaseUntil()));
        v.put("cb_lease_owner", c == null ? null : c.leaseOwner());
        v.put("cb_finished", c == null || c.finished() == null ? null : c.finished().wire());
        v.put("cb_finished_attempts", c == null ? null : c.finishedAttempts());
        v.put("cb_finished_error", c == null ? null : c.finishedError());
        v.put("cb_outbox_at", IsoMillis.format(outboxAt(c)));
        return v;
    }

    /** Sets {@code values} of {@code columns}, in that order, as parameters {@code first}, {@code first + 1}, ... of {@code ps}. */
    static int bind(PreparedStatement ps, int first, Map<String, Object> values, List<String> columns) throws SQLException {
        int i = first;
        for (String c : columns) {
            Object v = values.get(c);
            if (v == null) {
                ps.setNull(i++, Types.NULL);
            } else {
                ps.setObject(i++, v);
            }
        }
        return i;
    }

    /** The job in the current row of {@code rs}, which selected at least {@link #COLUMNS}. */
    Job read(ResultSet rs) throws SQLException {
        String id = rs.getString("id");
        try {
            Job.Builder b = new Job.Builder()
                    .id(required(rs, "id"))
                    .userId(required(rs, "user_id"))
                    .type(JobType.fromWire(required(rs, "type")))
                    .characterId(rs.getString("character_id"))
                    .status(JobStatus.fromWire(required(rs, "status")))
                    .progress(rs.getDouble("progress"))
                    .currentNode(rs.getString("current_node"))
                    .attempt(rs.getInt("attempt"))
                    .comfyServer(rs.getString("comfy_server"))
                    .promptId(rs.getString("prompt_id"))
                    .createdAt(IsoMillis.parse(required(rs, "created_at")))
                    .updatedAt(IsoMillis.parse(required(rs, "updated_at")))
                    .startedAt(IsoMillis.parse(rs.getString("started_at")))
                    .finishedAt(IsoMillis.parse(rs.getString("finished_at")))
                    .heartbeatAt(IsoMillis.parse(required(rs, "heartbeat_at")))
                    .submittedAt(IsoMillis.parse(rs.getString("submitted_at")))
                    .leaseUntil(IsoMillis.parse(rs.getString("lease_until")))
                    .leaseOwner(rs.getString("lease_owner"))
                    .outputs(outputs(rs.getString("outputs")))
                    .artifacts(artifacts(rs.getString("artifacts")))
                    .error(error(rs.getString("error")))
                    .cancelRequested(rs.getInt("cancel_requested") == 1)
                    .idempotencyKey(rs.getString("idempotency_key"))
                    .metadataJson(rs.getString("metadata"))
                    .nodeCount(rs.getInt("node_count"))
                    .cachedNodes(strings(rs.getString("cached_nodes")))
                    .finishedNodes(strings(rs.getString("finished_nodes")))
                    .workflowSha256(rs.getString("workflow_sha256"))
                    .workflowBytes(rs.getLong("workflow_bytes"))
                    .template(rs.getString("template"), rs.getInt("template_version"))
                    .inputs(inputs(rs.getString("inputs")))
                    .artifactsDeleted(rs.getInt("artifacts_deleted") == 1)
                    .gpuMillis(rs.getLong("gpu_ms"));
            long seed = rs.getLong("seed");
            b.seed(rs.wasNull() ? null : seed);
            String sent = rs.getString("sent_graph");
            b.sentGraph(sent == null ? null : SentGraph.fromStored(sent));
            int stepValue = rs.getInt("step_value");
            boolean noStepValue = rs.wasNull();
            int stepMax = rs.getInt("step_max");
            if (!noStepValue && !rs.wasNull()) {
                b.step(new Step(stepValue, stepMax));
            }
            String webhook = rs.getString("webhook");
            if (webhook != null) {
                b.webhook(webhook(webhook)).callbacks(callbacks(rs));
            }
            return b.build();
        } catch (StoredDataException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StoredDataException("job " + id + " has unreadable stored data: " + e.getMessage(), e);
        }
    }

    private String outputsJson(List<JobOutput> outputs) {
        ArrayNode a = json.createArrayNode();
        for (JobOutput o : outputs) {
            a.addObject().put("node", o.node()).put("filename", o.filename()).put("subfolder", o.subfolder()).put("type", o.type());
        }
        return write(a);
    }

    private String artifactsJson(List<JobArtifact> artifacts) {
        ArrayNode a = json.createArrayNode();
        for (JobArtifact x : artifacts) {
            a.addObject().put("key", x.key()).put("filename", x.filename()).put("contentType", x.contentType()).put("size", x.size());
        }
        return write(a);
    }

    private String inputsJson(List<JobInput> inputs) {
        ArrayNode a = json.createArrayNode();
        for (JobInput in : inputs) {
            ObjectNode o = a.addObject().put("param", in.param()).put("key", in.objectKey()).put("contentType", in.contentType());
            in.binds().forEach(o.putArray("binds")::add);
        }
        return write(a);
    }

    private String errorJson(JobError e) {
        if (e == null) {
            return null;
        }
        ObjectNode o = json.createObjectNode().put("type", e.type()).put("message", e.message());
        if (e.nodeId() != null) {
            o.put("nodeId", e.nodeId());
        }
        if (e.nodeType() != null) {
            o.put("nodeType", e.nodeType());
        }
        if (e.detailsJson() != null) {
            o.set("details", read(e.detailsJson()));
        }
        return write(o);
    }

    private String webhookJson(Webhook w) {
        if (w == null) {
            return null;
        }
        ObjectNode o = json.createObjectNode().put("url", w.url());
        w.events().forEach(o.putArray("events")::add);
        return write(o);
    }

    private Webhook webhook(String v) {
        JsonNode n = read(v);
        List<String> events = new ArrayList<>();
        for (JsonNode e : n.path("events")) {
            if (!e.isTextual()) {
                throw new StoredDataException("stored webhook events hold a " + e.getNodeType());
            }
            events.add(e.asText());
        }
        return new Webhook(text(n, "url"), events);
    }

    private static Callbacks callbacks(ResultSet rs) throws SQLException {
        CallbackDelivery pending = null;
        String id = rs.getString("cb_id");
        if (id != null) {
            pending = new CallbackDelivery(id, required(rs, "cb_event"), IsoMillis.parse(required(rs, "cb_at")),
                    IsoMillis.parse(required(rs, "cb_due")), rs.getInt("cb_attempts"), rs.getString("cb_error"));
        }
        String finished = rs.getString("cb_finished");
        return new Callbacks(rs.getInt("cb_enqueued"), IsoMillis.parse(rs.getString("cb_progress_claimed_at")), pending,
                IsoMillis.parse(rs.getString("cb_lease_until")), rs.getString("cb_lease_owner"),
                finished == null ? null : CallbackStatus.fromWire(finished), rs.getInt("cb_finished_attempts"), rs.getString("cb_finished_error"));
    }

    private List<JobOutput> outputs(String v) {
        List<JobOutput> out = new ArrayList<>();
        for (JsonNode n : array(v)) {
            out.add(new JobOutput(text(n, "node"), text(n, "filename"), text(n, "subfolder"), text(n, "type")));
        }
        return out;
    }

    private List<JobArtifact> artifacts(String v) {
        List<JobArtifact> out = new ArrayList<>();
        for (JsonNode n : array(v)) {
            if (!n.path("size").isIntegralNumber()) {
                throw new StoredDataException("stored artifact lacks its size");
            }
            out.add(new JobArtifact(text(n, "key"), text(n, "filename"), text(n, "contentType"), n.get("size").asLong()));
        }
        return out;
    }

    private List<JobInput> inputs(String v) {
        List<JobInput> out = new ArrayList<>();
        for (JsonNode n : array(v)) {
            List<String> binds = new ArrayList<>();
            n.path("binds").forEach(b -> binds.add(b.asText()));
            out.add(new JobInput(text(n, "param"), text(n, "key"), text(n, "contentType"), binds));
        }
        return out;
    }

    private JobError error(String v) {
        if (v == null) {
            return null;
        }
        JsonNode n = read(v);
        JsonNode details = n.get("details");
        return new JobError(text(n, "type"), text(n, "message"), n.hasNonNull("nodeId") ? n.get("nodeId").asText() : null,
                n.hasNonNull("nodeType") ? n.get("nodeType").asText() : null, details == null || details.isNull() ? null : details.toString());
    }

    private List<String> strings(String v) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array(v)) {
            if (!n.isTextual()) {
                throw new StoredDataException("stored node list holds a " + n.getNodeType() + ", not a node id");
            }
            out.add(n.asText());
        }
        return out;
    }

    private JsonNode array(String v) {
        JsonNode n = read(v);
        if (!n.isArray()) {
            throw new StoredDataException("expected a JSON array, found " + n.getNodeType());
        }
        return n;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new StoredDataException("stored object lacks the text field '" + field + "'");
        }
        return v.asText();
    }

    private JsonNode read(String v) {
        if (v == null) {
            throw new StoredDataException("a stored JSON column is empty");
        }
        try {
            return json.readTree(v);
        } catch (JsonProcessingException e) {
            throw new StoredDataException("stored column is not valid JSON", e);
        }
    }

    private String write(JsonNode n) {
        try {
            return json.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    private static String required(ResultSet rs, String column) throws SQLException {
        String v = rs.getString(column);
        if (v == null) {
            throw new StoredDataException("job " + rs.getString("id") + " lacks its " + column);
        }
        return v;
    }

}
