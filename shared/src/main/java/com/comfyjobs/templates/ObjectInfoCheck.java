package com.comfyjobs.templates;

import com.comfyjobs.comfyui.ObjectInfo;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A template's graph against the node classes a ComfyUI server has (its {@code GET /object_info}):
 * every class_type must be one of them and every input one the class declares (required, optional or
 * hidden). Values are not checked here: the server checks them for each job, and which files a graph
 * may name is {@link com.comfyjobs.comfyui.FileInputs}' rule.
 */
final class ObjectInfoCheck {
    private ObjectInfoCheck() {
    }

    static List<FieldError> check(JsonNode workflow, ObjectInfo objectInfo) {
        List<FieldError> out = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> nodes = workflow.fields();
        while (nodes.hasNext()) {
            Map.Entry<String, JsonNode> node = nodes.next();
            String classType = node.getValue().get("class_type").asText();
            if (!objectInfo.hasClass(classType)) {
                out.add(new FieldError(FieldError.pointer("workflow", node.getKey(), "class_type"),
                        "ComfyUI has no node class '" + FieldError.name(classType) + "' (is a custom node missing?)"));
                continue;
            }
            Iterator<String> inputs = node.getValue().get("inputs").fieldNames();
            while (inputs.hasNext()) {
                String input = inputs.next();
                if (!objectInfo.declares(classType, input)) {
                    out.add(new FieldError(FieldError.pointer("workflow", node.getKey(), "inputs", input),
                            "node class '" + FieldError.name(classType) + "' has no input '" + FieldError.name(input) + "'"));
                }
            }
        }
        return out;
    }
}
