package com.comfyjobs.templates;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A template's graph against the node classes a ComfyUI server has (its {@code GET /object_info}):
 * every class_type must be one of them and every input one the class declares (required, optional or
 * hidden). Values are not checked: the server checks them for each job, and a file a LoadImage names
 * is put there by the job.
 */
final class ObjectInfoCheck {
    private static final List<String> INPUT_KINDS = List.of("required", "optional", "hidden");

    private ObjectInfoCheck() {
    }

    static List<FieldError> check(JsonNode workflow, JsonNode objectInfo) {
        List<FieldError> out = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> nodes = workflow.fields();
        while (nodes.hasNext()) {
            Map.Entry<String, JsonNode> node = nodes.next();
            String classType = node.getValue().get("class_type").asText();
            JsonNode info = objectInfo.get(classType);
            if (info == null || !info.isObject()) {
                out.add(new FieldError(FieldError.pointer("workflow", node.getKey(), "class_type"),
                        "ComfyUI has no node class '" + FieldError.name(classType) + "' (is a custom node missing?)"));
                continue;
            }
            Iterator<String> inputs = node.getValue().get("inputs").fieldNames();
            while (inputs.hasNext()) {
                String input = inputs.next();
                if (INPUT_KINDS.stream().noneMatch(kind -> info.path("input").path(kind).has(input))) {
                    out.add(new FieldError(FieldError.pointer("workflow", node.getKey(), "inputs", input),
                            "node class '" + FieldError.name(classType) + "' has no input '" + FieldError.name(input) + "'"));
                }
            }
        }
        return out;
    }
}
