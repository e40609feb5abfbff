package com.comfyjobs.comfyui;

import com.comfyjobs.job.Workflow;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * A workflow as a tree to change before it is sent (outputs pointed into the attempt's folder, images
 * staged), its numbers kept as written: fractions stay the decimals the caller wrote, as ComfyUI reads
 * them with Python's float. {@code Workflow.parse(tree.toString())} reads the result back.
 */
public final class WorkflowTree {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    private WorkflowTree() {
    }

    /** A fresh copy each time: changing it changes nothing else. */
    public static ObjectNode of(Workflow workflow) {
        try {
            return (ObjectNode) JSON.readTree(workflow.json());
        } catch (IOException e) {
            throw new IllegalStateException("a parsed workflow is a JSON object", e);
        }
    }
}
