package com.comfyjobs.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * A ComfyUI workflow in API format (node id -> {class_type, inputs}), kept as compact JSON because it
 * is stored once and sent to ComfyUI again only on resubmission. Construction checks the shape; what
 * the nodes mean is ComfyUI's business (it answers 400 with node_errors).
 */
public final class Workflow {
    /** ComfyUI's ids are short ("3", "12:5" inside subgraphs); the bound keeps every event about the graph small. */
    public static final int MAX_NODE_ID_CHARS = 64;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String json;
    private final int nodeCount;
    private String sha256;

    private Workflow(String json, int nodeCount) {
        this.json = json;
        this.nodeCount = nodeCount;
    }

    /** Checks that {@code node} is an object of nodes, each with a class_type string and an inputs object. */
    public static Workflow of(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new InvalidWorkflowException("workflow must be a JSON object of nodes (API format)");
        }
        if (node.isEmpty()) {
            throw new InvalidWorkflowException("workflow has no nodes");
        }
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            String id = e.getKey();
            JsonNode n = e.getValue();
            if (id.isEmpty()) {
                throw new InvalidWorkflowException("workflow has a node with an empty id");
            }
            if (id.length() > MAX_NODE_ID_CHARS) {
                throw new InvalidWorkflowException("workflow has a node id longer than " + MAX_NODE_ID_CHARS + " characters");
            }
            if (!n.isObject()) {
                throw new InvalidWorkflowException("node '" + id + "' must be an object with class_type and inputs");
            }
            JsonNode classType = n.get("class_type");
            if (classType == null || !classType.isTextual() || classType.asText().isBlank()) {
                throw new InvalidWorkflowException("node '" + id + "' has no class_type string");
            }
            JsonNode inputs = n.get("inputs");
            if (inputs == null || !inputs.isObject()) {
                throw new InvalidWorkflowException("node '" + id + "' has no inputs object");
            }
        }
        try {
            return new Workflow(MAPPER.writeValueAsString(node), node.size());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree could not be written back", e);
        }
    }

    /** Restores a workflow that was validated before it was stored. */
    public static Workflow fromStoredJson(String json) {
        try {
            return of(MAPPER.readTree(json));
        } catch (JsonProcessingException e) {
            throw new StoredDataException("stored workflow is not valid JSON", e);
        } catch (InvalidWorkflowException e) {
            throw new StoredDataException("stored workflow is malformed: " + e.getMessage(), e);
        }
    }

    public String json() {
        return json;
    }

    public int nodeCount() {
        return nodeCount;
    }

    /** Its size as stored and sent: UTF-8 bytes of the compact JSON. */
    public long bytes() {
        return json.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Hex SHA-256 of the stored JSON: what a finished job keeps of its workflow. */
    public String sha256() {
        String s = sha256;
        if (s == null) {
            try {
                s = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is part of every JRE", e);
            }
            sha256 = s;
        }
        return s;
    }

    public ObjectNode tree() {
        try {
            return (ObjectNode) MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("workflow JSON was valid when stored", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Workflow && ((Workflow) o).json.equals(json);
    }

    @Override
    public int hashCode() {
        return Objects.hash(json);
    }

    @Override
    public String toString() {
        return "Workflow[" + nodeCount + " nodes, " + json.length() + " chars]";
    }
}
