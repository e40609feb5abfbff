package com.comfyjobs.submit;

import com.comfyjobs.job.InvalidWorkflowException;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.Workflow;
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
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed POST /jobs body {@code {workflow, type?, characterId?, metadata?, images?}}. Parsing refuses
 * anything else as malformed (or too large) with a message that says what is wrong, before any state
 * is touched. The metadata is kept as the JSON text the caller sent, compacted. {@code images} maps
 * a graph input, {@code "<node id>.inputs.<input>"} of a node of the workflow, to the image that fills
 * it ({@link InputImages} judges the image itself).
 */
public record SubmitRequest(Workflow workflow, JobType type, String characterId, String metadataJson,
                            Map<String, JsonNode> images, JsonNode payload) {
    static final int MAX_DEPTH = 64;
    static final int MAX_NODES = 5000;
    static final int MAX_METADATA_CHARS = 16 * 1024;
    static final int MAX_IMAGES = 16;
    private static final Set<String> FIELDS = Set.of("workflow", "type", "characterId", "metadata", "images");
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public static SubmitRequest parse(byte[] body, int maxBytes) {
        if (body == null || body.length == 0) {
            throw SubmissionRefusedException.malformed("request body is empty; send {\"workflow\": {...}}");
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
                throw SubmissionRefusedException.malformed("unknown field '" + abbreviate(n) + "'; allowed: workflow, type, characterId, metadata, images");
            }
        }
        JsonNode wf = root.get("workflow");
        if (wf == null || wf.isNull()) {
            throw SubmissionRefusedException.malformed("field 'workflow' is required: a ComfyUI workflow in API format");
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
        String characterId = null;
        JsonNode c = root.get("characterId");
        if (c != null && !c.isNull()) {
            if (!c.isTextual() || c.asText().isEmpty() || c.asText().length() > 128) {
                throw SubmissionRefusedException.malformed("field 'characterId' must be a string of 1 to 128 characters");
            }
            characterId = c.asText();
        }
        JsonNode metadata = root.get("metadata");
        if (metadata != null && metadata.isNull()) {
            metadata = null;
        }
        if (metadata != null) {
            if (!metadata.isObject()) {
                throw SubmissionRefusedException.malformed("field 'metadata' must be a JSON object");
            }
            if (metadata.toString().length() > MAX_METADATA_CHARS) {
                throw SubmissionRefusedException.malformed("field 'metadata' is larger than " + MAX_METADATA_CHARS + " characters");
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
        return new SubmitRequest(workflow, type, characterId, metadata == null ? null : metadata.toString(), images, canonical);
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
        return Fingerprint.of(Fingerprint.canonical(payload));
    }

    private static String abbreviate(String s) {
        String clean = s.replaceAll("[\\p{Cntrl}]", "?");
        return clean.length() > 40 ? clean.substring(0, 40) + "..." : clean;
    }
}
