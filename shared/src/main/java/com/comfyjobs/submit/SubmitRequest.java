package com.comfyjobs.submit;

import com.comfyjobs.comfyui.GraphInput;
import com.comfyjobs.job.InvalidWorkflowException;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.Webhook;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.outbound.UrlPolicy;
import com.comfyjobs.templates.CanonicalJson;
import com.comfyjobs.templates.TemplateCall;
import com.comfyjobs.templates.TemplateNames;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A parsed POST /jobs body: a raw workflow {@code {workflow, type?, characterId?, metadata?, images?, webhook?}},
 * or a template job {@code {template, templateVersion?, params?, characterId?, metadata?, webhook?}} whose
 * workflow and type its template gives ({@code workflow} and {@code type} are then null, and its
 * images are params). Parsing refuses
 * anything else as malformed (or too large) with a message that says what is wrong, before any state
 * is touched. The metadata is kept as the JSON text the caller sent, compacted. {@code images} maps
 * a graph input, {@code "<node id>.inputs.<input>"} of a node of the workflow, to the image that fills
 * it ({@link InputImages} judges the image itself). {@code webhook} is where the job's callbacks go
 * and which events they carry ({@code {"url": ..., "events": [...]}}; without events, the job's
 * ends); its URL's length is checked here, its rules and the addresses it resolves to by
 * {@link SubmitService}.
 * It is part of the payload as the job keeps it (events sorted, the default written out), so it
 * counts for the Idempotency-Key's fingerprint.
 */
public record SubmitRequest(Workflow workflow, TemplateCall template, JobType type, String characterId, String metadataJson,
                            Map<String, JsonNode> images, Webhook webhook, JsonNode payload) {
    static final int MAX_DEPTH = 64;
    static final int MAX_NODES = 5000;
    static final int MAX_METADATA_CHARS = 16 * 1024;
    static final int MAX_IMAGES = 16;
    private static final Set<String> FIELDS = Set.of("workflow", "template", "templateVersion", "params", "type", "characterId",
            "metadata", "images", "webhook");
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public static SubmitRequest parse(byte[] body, int maxBytes) {
        if (body == null || body.length == 0) {
            throw SubmissionRefusedException.malformed("request body is empty; send {\"template\": \"<name>\", \"params\": {...}}"
                    + " or {\"workflow\": {...}}");
        }
        if (body.length > maxBytes) {
            throw new SubmissionRefusedException(SubmissionRefusedException.Reason.TOO_LARGE,
                    "request body is " + body.length + " bytes; the limit is " + maxBytes);
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (StreamConstraintsException e) {
            throw SubmissionRefusedException.malformed("request body nests deeper than " + MAX_DEPTH + " levels");
        } catch (IOException e) {
            throw SubmissionRefusedException.malformed("request body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw SubmissionRefusedException.malformed("request body must be a JSON object");
        }
        Iterator<String> names = root.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!FIELDS.contains(n)) {
                throw SubmissionRefusedException.malformed("unknown field '" + abbreviate(n)
                        + "'; allowed: template, templateVersion, params, workflow, type, characterId, metadata, images, webhook");
            }
        }
        JsonNode wf = present(root, "workflow");
        JsonNode tpl = present(root, "template");
        if ((wf == null) == (tpl == null)) {
            throw SubmissionRefusedException.malformed(wf == null
                    ? "field 'template' (a published template's name) or 'workflow' (a ComfyUI workflow in API format) is required"
                    : "send either 'template' or 'workflow', not both");
        }
        String characterId = characterId(root);
        JsonNode metadata = metadata(root);
        Webhook webhook = webhook(present(root, "webhook"));
        if (tpl != null) {
            return template(root, tpl, characterId, metadata, webhook);
        }
        if (present(root, "templateVersion") != null || present(root, "params") != null) {
            throw SubmissionRefusedException.malformed("'templateVersion' and 'params' go with 'template'");
        }
        Workflow workflow;
        try {
            workflow = Workflow.parse(wf.toString());
        } catch (InvalidWorkflowException e) {
            throw SubmissionRefusedException.malformed(e.getMessage());
        }
        if (workflow.nodeCount() > MAX_NODES) {
            throw SubmissionRefusedException.malformed("workflow has " + workflow.nodeCount() + " nodes; the limit is " + MAX_NODES);
        }
        JobType type = JobType.IMAGE_GENERATION;
        JsonNode t = root.get("type");
        if (t != null && !t.isNull()) {
            if (!t.isTextual()) {
                throw SubmissionRefusedException.malformed("field 'type' must be a string");
            }
            try {
                type = JobType.fromWire(t.asText());
            } catch (IllegalArgumentException e) {
                throw SubmissionRefusedException.malformed("field 'type' must be one of image_generation, lora_training, face_swap, other");
            }
        }
        Map<String, JsonNode> images = images(root.get("images"), wf);
        ObjectNode canonical = JSON.createObjectNode();
        canonical.set("workflow", wf);
        canonical.put("type", type.wire());
        if (characterId != null) {
            canonical.put("characterId", characterId);
        }
        if (metadata != null) {
            canonical.set("metadata", metadata);
        }
        if (!images.isEmpty()) {
            canonical.set("images", root.get("images"));
        }
        putWebhook(canonical, webhook);
        return new SubmitRequest(workflow, null, type, characterId, metadata == null ? null : metadata.toString(), images, webhook,
                canonical);
    }

    /**
     * A template job. Its payload, what the Idempotency-Key's fingerprint (and DEDUPE_IDENTICAL_SECONDS)
     * is taken of, is the request as sent: the version as given and the params before defaults and
     * before a random seed fill them in, so the same request twice is the same job.
     */
    private static SubmitRequest template(JsonNode root, JsonNode tpl, String characterId, JsonNode metadata, Webhook webhook) {
        if (present(root, "type") != null) {
            throw SubmissionRefusedException.malformed("a template job's type comes from its template; leave out 'type'");
        }
        if (present(root, "images") != null) {
            throw SubmissionRefusedException.malformed("a template job's images are params (GET /templates/{name} lists them); leave out 'images'");
        }
        if (!tpl.isTextual() || !TemplateNames.isValid(tpl.asText())) {
            throw SubmissionRefusedException.malformed("field 'template' must be a template name: 1 to 64 of a-z, 0-9, '-' and '_'");
        }
        Integer version = null;
        JsonNode v = present(root, "templateVersion");
        if (v != null) {
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1) {
                throw SubmissionRefusedException.malformed("field 'templateVersion' must be an integer from 1");
            }
            version = v.asInt();
        }
        JsonNode params = present(root, "params");
        if (params != null && !params.isObject()) {
            throw SubmissionRefusedException.malformed("field 'params' must be a JSON object of the template's params");
        }
        ObjectNode canonical = JSON.createObjectNode();
        canonical.put("template", tpl.asText());
        if (version != null) {
            canonical.put("templateVersion", version);
        }
        if (params != null) {
            canonical.set("params", params);
        }
        if (characterId != null) {
            canonical.put("characterId", characterId);
        }
        if (metadata != null) {
            canonical.set("metadata", metadata);
        }
        putWebhook(canonical, webhook);
        return new SubmitRequest(null, new TemplateCall(tpl.asText(), version, (ObjectNode) params), null, characterId,
                metadata == null ? null : metadata.toString(), Map.of(), webhook, canonical);
    }

    /** {@code {"url": "https://...", "events": ["job.succeeded", ...]}}: the form only; the URL rules are the service's. */
    private static Webhook webhook(JsonNode w) {
        if (w == null) {
            return null;
        }
        if (!w.isObject()) {
            throw webhookRefused("field 'webhook' must be an object {\"url\": \"https://...\", \"events\": [...]}");
        }
        Iterator<String> names = w.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!n.equals("url") && !n.equals("events")) {
                throw webhookRefused("webhook: unknown field '" + abbreviate(n) + "'; allowed: url, events");
            }
        }
        JsonNode url = w.get("url");
        if (url == null || !url.isTextual() || url.asText().isEmpty() || url.asText().length() > UrlPolicy.MAX_URL_CHARS) {
            throw webhookRefused("webhook.url must be a URL of 1 to " + UrlPolicy.MAX_URL_CHARS + " characters");
        }
        JsonNode events = present(w, "events");
        if (events == null) {
            return new Webhook(url.asText(), Webhook.TERMINAL_EVENTS);
        }
        if (!events.isArray() || events.isEmpty() || events.size() > Webhook.EVENTS.size()) {
            throw webhookRefused("webhook.events must list 1 to " + Webhook.EVENTS.size() + " of " + String.join(", ", new TreeSet<>(Webhook.EVENTS))
                    + " (leave it out for the job's ends)");
        }
        Set<String> wanted = new TreeSet<>();
        for (JsonNode e : events) {
            if (!e.isTextual() || !Webhook.EVENTS.contains(e.asText())) {
                throw webhookRefused("webhook.events: '" + abbreviate(e.isTextual() ? e.asText() : e.toString()) + "' is not an event; use "
                        + String.join(", ", new TreeSet<>(Webhook.EVENTS)));
            }
            if (!wanted.add(e.asText())) {
                throw webhookRefused("webhook.events names " + e.asText() + " twice");
            }
        }
        return new Webhook(url.asText(), List.copyOf(wanted));
    }

    private static void putWebhook(ObjectNode canonical, Webhook webhook) {
        if (webhook != null) {
            ObjectNode w = canonical.putObject("webhook").put("url", webhook.url());
            webhook.events().forEach(w.putArray("events")::add);
        }
    }

    private static SubmissionRefusedException webhookRefused(String detail) {
        return new SubmissionRefusedException(SubmissionRefusedException.Reason.WEBHOOK_REFUSED, detail);
    }

    private static String characterId(JsonNode root) {
        JsonNode c = present(root, "characterId");
        if (c == null) {
            return null;
        }
        if (!c.isTextual() || c.asText().isEmpty() || c.asText().length() > 128) {
            throw SubmissionRefusedException.malformed("field 'characterId' must be a string of 1 to 128 characters");
        }
        return c.asText();
    }

    private static JsonNode metadata(JsonNode root) {
        JsonNode metadata = present(root, "metadata");
        if (metadata == null) {
            return null;
        }
        if (!metadata.isObject()) {
            throw SubmissionRefusedException.malformed("field 'metadata' must be a JSON object");
        }
        if (metadata.toString().length() > MAX_METADATA_CHARS) {
            throw SubmissionRefusedException.malformed("field 'metadata' is larger than " + MAX_METADATA_CHARS + " characters");
        }
        return metadata;
    }

    /** The field, or null when it is missing or JSON null. */
    private static JsonNode present(JsonNode root, String field) {
        JsonNode v = root.get(field);
        return v == null || v.isNull() ? null : v;
    }

    /** The {@code images} field: each key an input of a node the workflow has, at most {@link #MAX_IMAGES}. */
    private static Map<String, JsonNode> images(JsonNode field, JsonNode workflow) {
        if (field == null || field.isNull()) {
            return Map.of();
        }
        if (!field.isObject()) {
            throw SubmissionRefusedException.malformed("field 'images' must be an object of \"<node id>.inputs.<input>\": image");
        }
        if (field.size() > MAX_IMAGES) {
            throw SubmissionRefusedException.malformed("field 'images' has " + field.size() + " images; the limit is " + MAX_IMAGES);
        }
        Map<String, JsonNode> images = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = field.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            Optional<GraphInput> target = GraphInput.parse(e.getKey());
            if (target.isEmpty()) {
                throw SubmissionRefusedException.malformed("images: '" + abbreviate(e.getKey())
                        + "' does not name a graph input; write \"<node id>.inputs.<input>\"");
            }
            if (!workflow.path(target.get().nodeId()).isObject()) {
                throw SubmissionRefusedException.malformed("images: '" + abbreviate(e.getKey()) + "' names node '"
                        + abbreviate(target.get().nodeId()) + "', which the workflow does not have");
            }
            images.put(e.getKey(), e.getValue());
        }
        return Collections.unmodifiableMap(images);
    }

    /**
     * The payload's idempotency fingerprint: key order and whitespace do not count. Computed on demand,
     * as only requests with an Idempotency-Key (or with DEDUPE_IDENTICAL_SECONDS) need it.
     */
    public String fingerprint() {
        return Fingerprint.of(CanonicalJson.of(payload));
    }

    private static String abbreviate(String s) {
        String clean = s.replaceAll("[\\p{Cntrl}]", "?");
        return clean.length() > 40 ? clean.substring(0, 40) + "..." : clean;
    }
}
