package com.comfyjobs.job;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A ComfyUI workflow in API format (node id -> {class_type, inputs}), kept as the compact JSON it was
 * submitted as: it is stored once and sent to ComfyUI again only on resubmission. Construction checks
 * the shape, reading the text once as a stream of tokens; what the nodes mean is ComfyUI's business
 * (it answers 400 with node_errors).
 */
public final class Workflow {
    /** ComfyUI's ids are short ("3", "12:5" inside subgraphs); the bound keeps every event about the graph small. */
    public static final int MAX_NODE_ID_CHARS = 64;
    private static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private final String json;
    private final int nodeCount;
    private String sha256;

    private Workflow(String json, int nodeCount) {
        this.json = json;
        this.nodeCount = nodeCount;
    }

    /**
     * Checks that {@code json} is an object of nodes, each with a class_type string and an inputs object.
     *
     * @throws InvalidWorkflowException naming what is wrong
     */
    public static Workflow parse(String json) {
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidWorkflowException("workflow must be a JSON object of nodes (API format)");
            }
            int nodes = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                node(p, p.currentName());
                nodes++;
            }
            if (p.nextToken() != null) {
                throw new InvalidWorkflowException("workflow is followed by more JSON");
            }
            if (nodes == 0) {
                throw new InvalidWorkflowException("workflow has no nodes");
            }
            return new Workflow(json, nodes);
        } catch (IOException e) {
            throw new InvalidWorkflowException("workflow is not valid JSON");
        }
    }

    /** One node: {@code p} is on its id; leaves {@code p} on the node's closing brace. */
    private static void node(JsonParser p, String id) throws IOException {
        if (id.isEmpty()) {
            throw new InvalidWorkflowException("workflow has a node with an empty id");
        }
        if (id.length() > MAX_NODE_ID_CHARS) {
            throw new InvalidWorkflowException("workflow has a node id longer than " + MAX_NODE_ID_CHARS + " characters");
        }
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new InvalidWorkflowException("node '" + id + "' must be an object with class_type and inputs");
        }
        boolean classType = false;
        boolean inputs = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if ("class_type".equals(field)) {
                classType = value == JsonToken.VALUE_STRING && !p.getText().isBlank();
            } else if ("inputs".equals(field)) {
                inputs = value == JsonToken.START_OBJECT;
            }
            p.skipChildren();
        }
        if (!classType) {
            throw new InvalidWorkflowException("node '" + id + "' has no class_type string");
        }
        if (!inputs) {
            throw new InvalidWorkflowException("node '" + id + "' has no inputs object");
        }
    }

    /** Restores a workflow that was checked before it was stored. */
    public static Workflow fromStoredJson(String json) {
        try {
            return parse(json);
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

    /** Its size as stored and sent: UTF-8 bytes of the JSON. */
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

    @Override
    public boolean equals(Object o) {
        return o instanceof Workflow && ((Workflow) o).json.equals(json);
    }

    @Override
    public int hashCode() {
        return json.hashCode();
    }

    @Override
    public String toString() {
        return "Workflow[" + nodeCount + " nodes, " + json.length() + " chars]";
    }
}
