package com.comfyjobs.job.redis;

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
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The job as a Redis hash: short field names, timestamps as epoch milliseconds, lists and nested
 * objects as JSON. transition.lua writes the same fields. Reading is strict: a field this code does
 * not understand is a {@link StoredDataException}, never a default.
 */
final class JobHashCodec {
    static final String ID = "id";
    static final String USER = "user";
    static final String TYPE = "type";
    static final String CHARACTER = "char";
    static final String STATUS = "status";
    static final String PROGRESS = "progress";
    static final String NODE = "node";
    static final String STEP_VALUE = "stepv";
    static final String STEP_MAX = "stepm";
    static final String ATTEMPT = "attempt";
    static final String SERVER = "server";
    static final String PROMPT = "prompt";
    static final String CREATED = "created";
    static final String UPDATED = "updated";
    static final String STARTED = "started";
    static final String FINISHED = "finished";
    static final String HEARTBEAT = "hb";
    static final String SUBMITTED = "submitted";
    static final String LEASE = "lease";
    static final String LEASE_OWNER = "leaseby";
    static final String OUTPUTS = "outputs";
    static final String ARTIFACTS = "artifacts";
    static final String ERROR = "error";
    static final String CANCEL = "cancel";
    static final String IDEMPOTENCY_KEY = "idem";
    static final String METADATA = "meta";
    static final String NODE_COUNT = "nodes";
    static final String CACHED = "cached";
    static final String DONE = "done";
    static final String WORKFLOW_SHA = "wfsha";
    static final String WORKFLOW_BYTES = "wfbytes";
    static final String TEMPLATE = "tmpl";
    static final String TEMPLATE_VERSION = "tmplv";
    static final String SEED = "seed";
    static final String INPUTS = "inputs";
    static final String SENT_GRAPH = "sent";
    static final String ARTIFACTS_DELETED = "artdel";
    /** Callbacks: the webhook, then what transition.lua and the callback scripts keep (see {@link Callbacks}). */
    static final String WEBHOOK = "cb";
    static final String CB_ENQUEUED = "cbn";
    static final String CB_PROGRESS_CLAIMED = "cbpt";
    static final String CB_ID = "cbid";
    static final String CB_EVENT = "cbev";
    static final String CB_AT = "cbat";
    static final String CB_DUE = "cbdue";
    static final String CB_ATTEMPTS = "cbpa";
    static final String CB_ERROR = "cbpe";
    static final String CB_LEASE = "cbl";
    static final String CB_LEASE_OWNER = "cblby";
    static final String CB_FINISHED = "cbst";
    static final String CB_FINISHED_ATTEMPTS = "cba";
    static final String CB_FINISHED_ERROR = "cbe";
    /** GPU time of the attempts so far (ms); written by transition.lua's gpu block, absent until an attempt left running. */
    static final String GPU_MILLIS = "gpums";

    private final ObjectMapper json;

    JobHashCodec(ObjectMapper json) {
        this.json = json;
    }

    Map<String, String> encode(Job j) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put(ID, j.id());
        h.put(USER, j.userId());
        h.put(TYPE, j.type().wire());
        put(h, CHARACTER, j.characterId());
        h.put(STATUS, j.status().wire());
        h.put(PROGRESS, Double.toString(j.progress()));
        put(h, NODE, j.currentNode());
        if (j.step() != null) {
            h.put(STEP_VALUE, Integer.toString(j.step().value()));
            h.put(STEP_MAX, Integer.toString(j.step().max()));
        }
        h.put(ATTEMPT, Integer.toString(j.attempt()));
        put(h, SERVER, j.comfyServer());
        put(h, PROMPT, j.promptId());
        h.put(CREATED, millis(j.createdAt()));
        h.put(UPDATED, millis(j.updatedAt()));
        put(h, STARTED, millis(j.startedAt()));
        put(h, FINISHED, millis(j.finishedAt()));
        if (j.gpuMillis() > 0) {
            h.put(GPU_MILLIS, Long.toString(j.gpuMillis()));
        }
        h.put(HEARTBEAT, millis(j.heartbeatAt()));
        put(h, SUBMITTED, millis(j.submittedAt()));
        put(h, LEASE, millis(j.leaseUntil()));
        put(h, LEASE_OWNER, j.leaseOwner());
        h.put(OUTPUTS, outputsJson(j.outputs()));
        h.put(ARTIFACTS, artifactsJson(j.artifacts()));
        put(h, ERROR, errorJson(j.error()));
        if (j.cancelRequested()) {
            h.put(CANCEL, "1");
        }
        put(h, IDEMPOTENCY_KEY, j.idempotencyKey());
        put(h, METADATA, j.metadataJson());
        h.put(NODE_COUNT, Integer.toString(j.nodeCount()));
        h.put(CACHED, write(json.valueToTree(j.cachedNodes())));
        h.put(DONE, write(json.valueToTree(j.finishedNodes())));
        put(h, WORKFLOW_SHA, j.workflowSha256());
        if (j.workflowSha256() != null) {
            h.put(WORKFLOW_BYTES, Long.toString(j.workflowBytes()));
        }
        if (j.template() != null) {
            h.put(TEMPLATE, j.template());
            h.put(TEMPLATE_VERSION, Integer.toString(j.templateVersion()));
        }
        if (j.seed() != null) {
            h.put(SEED, Long.toString(j.seed()));
        }
        if (!j.inputs().isEmpty()) {
            h.put(INPUTS, inputsJson(j.inputs()));
        }
        if (j.sentGraph() != null) {
            h.put(SENT_GRAPH, j.sentGraph().stored());
        }
        if (j.artifactsDeleted()) {
            h.put(ARTIFACTS_DELETED, "1");
        }
        if (j.webhook() != null) {
            ObjectNode w = json.createObjectNode().put("url", j.webhook().url());
            j.webhook().events().forEach(w.putArray("events")::add);
            h.put(WEBHOOK, write(w));
            encode(h, j.callbacks());
        }
        return h;
    }

    private static void encode(Map<String, String> h, Callbacks c) {
        if (c.enqueued() > 0) {
            h.put(CB_ENQUEUED, Integer.toString(c.enqueued()));
        }
        put(h, CB_PROGRESS_CLAIMED, millis(c.progressClaimedAt()));
        CallbackDelivery p = c.pending();
        if (p != null) {
            h.put(CB_ID, p.id());
            h.put(CB_EVENT, p.event());
            h.put(CB_AT, millis(p.at()));
            h.put(CB_DUE, millis(p.due()));
            h.put(CB_ATTEMPTS, Integer.toString(p.attempts()));
            put(h, CB_ERROR, p.lastError());
        }
        put(h, CB_LEASE, millis(c.leaseUntil()));
        put(h, CB_LEASE_OWNER, c.leaseOwner());
        if (c.finished() != null) {
            h.put(CB_FINISHED, c.finished().wire());
            h.put(CB_FINISHED_ATTEMPTS, Integer.toString(c.finishedAttempts()));
            put(h, CB_FINISHED_ERROR, c.finishedError());
        }
    }

    Job decode(Map<String, String> h) {
        String id = h.get(ID);
        try {
            Job.Builder b = new Job.Builder()
                    .id(required(h, ID))
                    .userId(required(h, USER))
                    .type(JobType.fromWire(required(h, TYPE)))
                    .characterId(h.get(CHARACTER))
                    .status(JobStatus.fromWire(required(h, STATUS)))
                    .progress(Double.parseDouble(h.getOrDefault(PROGRESS, "0")))
                    .currentNode(h.get(NODE))
                    .attempt(Integer.parseInt(required(h, ATTEMPT)))
                    .comfyServer(h.get(SERVER))
                    .promptId(h.get(PROMPT))
                    .createdAt(instant(required(h, CREATED)))
                    .updatedAt(instant(required(h, UPDATED)))
                    .startedAt(instant(h.get(STARTED)))
                    .finishedAt(instant(h.get(FINISHED)))
                    .heartbeatAt(instant(required(h, HEARTBEAT)))
                    .submittedAt(instant(h.get(SUBMITTED)))
                    .leaseUntil(instant(h.get(LEASE)))
                    .leaseOwner(h.get(LEASE_OWNER))
                    .outputs(outputs(h.get(OUTPUTS)))
                    .artifacts(artifacts(h.get(ARTIFACTS)))
                    .error(error(h.get(ERROR)))
                    .cancelRequested("1".equals(h.get(CANCEL)))
                    .idempotencyKey(h.get(IDEMPOTENCY_KEY))
                    .metadataJson(h.get(METADATA))
                    .nodeCount(Integer.parseInt(h.getOrDefault(NODE_COUNT, "0")))
                    .cachedNodes(strings(h.get(CACHED)))
                    .finishedNodes(strings(h.get(DONE)))
                    .workflowSha256(h.get(WORKFLOW_SHA))
                    .workflowBytes(Long.parseLong(h.getOrDefault(WORKFLOW_BYTES, "0")))
                    .template(h.get(TEMPLATE), Integer.parseInt(h.getOrDefault(TEMPLATE_VERSION, "0")))
                    .seed(h.containsKey(SEED) ? Long.valueOf(h.get(SEED)) : null)
                    .inputs(inputs(h.get(INPUTS)))
                    .sentGraph(h.containsKey(SENT_GRAPH) ? SentGraph.fromStored(h.get(SENT_GRAPH)) : null)
                    .artifactsDeleted("1".equals(h.get(ARTIFACTS_DELETED)))
                    .gpuMillis(Long.parseLong(h.getOrDefault(GPU_MILLIS, "0")));
            if (h.containsKey(STEP_VALUE) && h.containsKey(STEP_MAX)) {
                b.step(new Step(Integer.parseInt(h.get(STEP_VALUE)), Integer.parseInt(h.get(STEP_MAX))));
            }
            if (h.containsKey(WEBHOOK)) {
                JsonNode w = read(h.get(WEBHOOK));
                List<String> events = new ArrayList<>();
                w.path("events").forEach(e -> events.add(e.asText()));
                b.webhook(new Webhook(text(w, "url"), events)).callbacks(callbacks(h));
            }
            return b.build();
        } catch (StoredDataException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StoredDataException("job " + id + " has unreadable stored data: " + e.getMessage(), e);
        }
    }

    private static Callbacks callbacks(Map<String, String> h) {
        CallbackDelivery pending = null;
        if (h.containsKey(CB_ID)) {
            pending = new CallbackDelivery(h.get(CB_ID), required(h, CB_EVENT), instant(required(h, CB_AT)), instant(required(h, CB_DUE)),
                    Integer.parseInt(required(h, CB_ATTEMPTS)), h.get(CB_ERROR));
        }
        return new Callbacks(Integer.parseInt(h.getOrDefault(CB_ENQUEUED, "0")), instant(h.get(CB_PROGRESS_CLAIMED)), pending,
                instant(h.get(CB_LEASE)), h.get(CB_LEASE_OWNER),
                h.containsKey(CB_FINISHED) ? CallbackStatus.fromWire(h.get(CB_FINISHED)) : null,
                Integer.parseInt(h.getOrDefault(CB_FINISHED_ATTEMPTS, "0")), h.get(CB_FINISHED_ERROR));
    }

    String outputsJson(List<JobOutput> outputs) {
        ArrayNode a = json.createArrayNode();
        for (JobOutput o : outputs) {
            a.addObject().put("node", o.node()).put("filename", o.filename()).put("subfolder", o.subfolder()).put("type", o.type());
        }
        return write(a);
    }

    String artifactsJson(List<JobArtifact> artifacts) {
        ArrayNode a = json.createArrayNode();
        for (JobArtifact x : artifacts) {
            a.addObject().put("key", x.key()).put("filename", x.filename()).put("contentType", x.contentType()).put("size", x.size());
        }
        return write(a);
    }

    private String inputsJson(List<JobInput> inputs) {
        ArrayNode a = json.createArrayNode();
        for (JobInput i : inputs) {
            ObjectNode o = a.addObject().put("param", i.param()).put("key", i.objectKey()).put("contentType", i.contentType());
            i.binds().forEach(o.putArray("binds")::add);
        }
        return write(a);
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

    String errorJson(JobError e) {
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

    private List<JobOutput> outputs(String v) {
        List<JobOutput> out = new ArrayList<>();
        for (JsonNode n : array(v)) {
            out.add(new JobOutput(text(n, "node"), text(n, "filename"), n.path("subfolder").asText(""), n.path("type").asText("output")));
        }
        return out;
    }

    private List<JobArtifact> artifacts(String v) {
        List<JobArtifact> out = new ArrayList<>();
        for (JsonNode n : array(v)) {
            out.add(new JobArtifact(text(n, "key"), text(n, "filename"), text(n, "contentType"), n.path("size").asLong()));
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
            out.add(n.asText());
        }
        return out;
    }

    /** Lua's cjson writes an empty table as {}: read it as an empty list. */
    private JsonNode array(String v) {
        if (v == null) {
            return json.createArrayNode();
        }
        JsonNode n = read(v);
        if (n.isObject() && n.isEmpty()) {
            return json.createArrayNode();
        }
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
        try {
            return json.readTree(v);
        } catch (JsonProcessingException e) {
            throw new StoredDataException("stored field is not valid JSON", e);
        }
    }

    String write(JsonNode n) {
        try {
            return json.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    private static String required(Map<String, String> h, String field) {
        String v = h.get(field);
        if (v == null) {
            throw new StoredDataException("job " + h.get(ID) + " lacks the field '" + field + "'");
        }
        return v;
    }

    private static void put(Map<String, String> h, String field, String value) {
        if (value != null) {
            h.put(field, value);
        }
    }

    static String millis(Instant t) {
        return t == null ? null : Long.toString(t.toEpochMilli());
    }

    private static Instant instant(String v) {
        return v == null ? null : Instant.ofEpochMilli(Long.parseLong(v));
    }
}
