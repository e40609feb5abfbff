package com.comfyjobs.simulator.nodes;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * What a node returns: its outputs (one per RETURN_TYPES entry) and its UI dict, which is non-null
 * only for nodes that show something (SaveImage's {"images": [...]}).
 */
public record NodeResult(List<Object> outputs, ObjectNode ui) {
    public NodeResult {
        outputs = List.copyOf(outputs);
    }

    public static NodeResult of(Object... outputs) {
        return new NodeResult(List.of(outputs), null);
    }

    public static NodeResult ui(ObjectNode ui) {
        return new NodeResult(List.of(), ui);
    }
}
