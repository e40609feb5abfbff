package com.comfyjobs.query;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobError;
import com.comfyjobs.job.JobOutput;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.SentGraph;
import com.comfyjobs.job.Step;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Job <-> JSON. Timestamps are ISO-8601 UTC with exactly three fraction digits
 * ({@code 2026-11-22T23:33:18.123Z}); statuses and types are their wire names, and reading an unknown
 * one is an error. {@link #toJson} writes every field; {@link #publicView} writes what a caller may
 * see (no ComfyUI server address, no lease or graph bookkeeping; of its callbacks, the webhook it gave
 * and how they stand, once one was enqueued: status, attempts and the last error).
 */
public final class JobJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private JobJson() {
    }

    public static String timestamp(Instant t) {
        return ISO_MILLIS.format(t);
    }

    public static Instant parseTimestamp(String s) {
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not an ISO-8601 timestamp: '" + s + "'", e);
        }
    }

    /** Every field, for logs and tools. */
    public static ObjectNode toJson(Job j) {
        ObjectNode o = publicView(j, a -> null);
        put(o, "comfyServer", j.comfyServer());
        put(o, "submittedAt", j.submittedAt());
        put(o, "leaseUntil", j.leaseUntil());
        put(o, "leaseOwner", j.leaseOwner());
        o.put("nodeCount", j.nodeCount());
        ArrayNode cached = o.putArray("cachedNodes");
        j.cachedNodes().forEach(cached::add);
        ArrayNode finished = o.putArray("finishedNodes");
        j.finishedNodes().forEach(finished::add);
        if (j.workflowSha256() != null) {
            o.putObject("workflow").put("sha256", j.workflowSha256()).put("bytes", j.workflowBytes());
        }
        if (j.sentGraph() != null) {
            o.put("sentGraph", j.sentGraph().stored());
        }
        return o;
    }

    /**
     * What the API returns for a job. {@code urls} gives a download URL per artifact (presigned per
     * request); null leaves it out.
     */
    public static ObjectNode publicView(Job j, Function<JobArtifact, String> urls) {
        ObjectNode o = F.objectNode();
        o.put("jobId", j.id());
        o.put("userId", j.userId());
        o.put("type", j.type().wire());
        put(o, "characterId", j.characterId());
        o.put("status", j.status().wire());
        o.put("progress", j.progress());
        put(o, "currentNode", j.currentNode());
        if (j.step() != null) {
            o.putObject("step").put("value", j.step().value()).put("max", j.step().max());
        }
        o.put("attempt", j.attempt());
        put(o, "promptId", j.promptId());
        put(o, "createdAt", j.createdAt());
        put(o, "updatedAt", j.updatedAt());
        put(o, "startedAt", j.startedAt());
        put(o, "finishedAt", j.finishedAt());
        put(o, "heartbeatAt", j.heartbeatAt());
        // the attempts' time running on ComfyUI, counted each time one stops running (what usage bills)
        o.put("gpuSeconds", j.gpuMillis() / 1000.0);
        ArrayNode outputs = o.putArray("outputs");
        for (JobOutput out : j.outputs()) {
            outputs.addObject().put("node", out.node()).put("filename", out.filename()).put("subfolder", out.subfolder())
                    .put("type", out.type());
        }
        ArrayNode artifacts = o.putArray("artifacts");
        for (JobArtifact a : j.artifacts()) {
            ObjectNode n = artifacts.addObject().put("key", a.key()).put("filename", a.filename())
                    .put("contentType", a.contentType()).put("size", a.size());
            if (j.seed() != null) {
                n.put("seed", j.seed());
            }
            String url = urls.apply(a);
            if (url != null) {
                n.put("url", url);
            }
        }
        o.put("artifactsDeleted", j.artifactsDeleted());
        if (j.error() != null) {
            putError(o, j.error());
        }
        if (j.template() != null) {
            o.put("template", j.template());
            o.put("templateVersion", j.templateVersion());
        }
        if (j.seed() != null) {
            o.put("seed", j.seed());
        }
        o.put("cancelRequested", j.cancelRequested());
        put(o, "idempotencyKey", j.idempotencyKey());
        if (j.metadataJson() != null) {
            o.set("metadata", tree(j.metadataJson()));
        }
        if (j.webhook() != null) {
            ObjectNode w = o.putObject("webhook").put("url", j.webhook().url());
            j.webhook().events().forEach(w.putArray("events")::add);
            if (j.callbacks().status() != null) {
                ObjectNode c = o.putObject("callback").put("status", j.callbacks().status().wire()).put("attempts", j.callbacks().attempts());
                put(c, "lastError", j.callbacks().lastError());
            }
        }
        return o;
    }

    private static void putError(ObjectNode o, JobError error) {
        ObjectNode e = o.putObject("error").put("type", error.type()).put("message", error.message());
        put(e, "nodeId", error.nodeId());
        put(e, "nodeType", error.nodeType());
        if (error.detailsJson() != null) {
            e.set("details", details(error));
        }
    }

    /**
     * What GET answers while the store is down: {@code jobId}, {@code status}, {@code attempt},
     * {@code progress} and {@code error} when ComfyUI tells them, and {@code "degraded": true}; no
     * artifacts, nothing the store alone knows.
     */
    public static ObjectNode degraded(DegradedJobView v) {
        ObjectNode o = F.objectNode();
        o.put("jobId", v.jobId());
        o.put("status", v.status().wire());
        if (v.progress() != null) {
            o.put("progress", v.progress());
        }
        o.put("attempt", v.attempt());
        if (v.error() != null) {
            putError(o, v.error());
        }
        o.put("degraded", true);
        return o;
    }

    /** Either reading of GET /jobs/{id}. */
    public static ObjectNode reading(JobReading r) {
        return r instanceof DegradedJobView d ? degraded(d) : view((JobView) r);
    }

    /** A job as its owner sees it, with its artifact URLs. */
    public static ObjectNode view(JobView v) {
        return publicView(v.job(), a -> v.artifactUrls().get(a.key()));
    }

    /** {@code {"jobs": [...], "nextCursor": ...}}. */
    public static ObjectNode page(JobViewPage p) {
        ObjectNode out = F.objectNode();
        ArrayNode jobs = out.putArray("jobs");
        p.jobs().forEach(v -> jobs.add(view(v)));
        if (p.nextCursor() != null) {
            out.put("nextCursor", p.nextCursor());
        } else {
            out.putNull("nextCursor");
        }
        return out;
    }

    /** Reads what {@link #toJson} wrote; unknown statuses, types or malformed fields are errors. */
    public static Job fromJson(JsonNode o) {
        Job.Builder b = new Job.Builder()
                .id(text(o, "jobId"))
                .userId(text(o, "userId"))
                .type(JobType.fromWire(text(o, "type")))
                .characterId(optText(o, "characterId"))
                .status(JobStatus.fromWire(text(o, "status")))
                .progress(o.path("progress").asDouble())
                .currentNode(optText(o, "currentNode"))
                .attempt(o.path("attempt").asInt(1))
                .comfyServer(optText(o, "comfyServer"))
                .promptId(optText(o, "promptId"))
                .createdAt(time(o, "createdAt"))
                .updatedAt(time(o, "updatedAt"))
                .startedAt(time(o, "startedAt"))
                .finishedAt(time(o, "finishedAt"))
                .gpuMillis(Math.round(o.path("gpuSeconds").asDouble() * 1000))
                .heartbeatAt(time(o, "heartbeatAt"))
                .submittedAt(time(o, "submittedAt"))
                .leaseUntil(time(o, "leaseUntil"))
                .leaseOwner(optText(o, "leaseOwner"))
                .cancelRequested(o.path("cancelRequested").asBoolean())
                .idempotencyKey(optText(o, "idempotencyKey"))
                .metadataJson(o.hasNonNull("metadata") ? o.get("metadata").toString() : null)
                .nodeCount(o.path("nodeCount").asInt())
                .cachedNodes(strings(o.path("cachedNodes")))
                .finishedNodes(strings(o.path("finishedNodes")))
                .workflowSha256(optText(o.path("workflow"), "sha256"))
                .workflowBytes(o.path("workflow").path("bytes").asLong())
                .template(optText(o, "template"), o.path("templateVersion").asInt())
                .seed(o.hasNonNull("seed") ? o.get("seed").asLong() : null)
                .artifactsDeleted(o.path("artifactsDeleted").asBoolean())
                .sentGraph(o.hasNonNull("sentGraph") ? SentGraph.fromStored(text(o, "sentGraph")) : null);
        if (o.hasNonNull("step")) {
            b.step(new Step(o.get("step").path("value").asInt(), o.get("step").path("max").asInt()));
        }
        List<JobOutput> outputs = new ArrayList<>();
        for (JsonNode n : o.path("outputs")) {
            outputs.add(new JobOutput(text(n, "node"), text(n, "filename"), optText(n, "subfolder"), optText(n, "type")));
        }
        List<JobArtifact> artifacts = new ArrayList<>();
        for (JsonNode n : o.path("artifacts")) {
            artifacts.add(new JobArtifact(text(n, "key"), text(n, "filename"), text(n, "contentType"), n.path("size").asLong()));
        }
        b.outputs(outputs).artifacts(artifacts);
        if (o.hasNonNull("error")) {
            JsonNode e = o.get("error");
            b.error(new JobError(text(e, "type"), text(e, "message"), optText(e, "nodeId"), optText(e, "nodeType"),
                    e.hasNonNull("details") ? e.get("details").toString() : null));
        }
        return b.build();
    }

    /** ComfyUI's reasons a failed job keeps, as a tree; null when it keeps none. */
    public static JsonNode details(JobError e) {
        return e == null || e.detailsJson() == null ? null : tree(e.detailsJson());
    }

    /** JSON text the store kept (it was JSON when it came in) as a tree to embed. */
    private static JsonNode tree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON text is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static void put(ObjectNode o, String field, String value) {
        if (value != null) {
            o.put(field, value);
        }
    }

    private static void put(ObjectNode o, String field, Instant value) {
        if (value != null) {
            o.put(field, timestamp(value));
        }
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "' must be a string");
        }
        return v.asText();
    }

    private static String optText(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Instant time(JsonNode o, String field) {
        String v = optText(o, field);
        return v == null ? null : parseTimestamp(v);
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(n -> out.add(n.asText()));
        return out;
    }
}
