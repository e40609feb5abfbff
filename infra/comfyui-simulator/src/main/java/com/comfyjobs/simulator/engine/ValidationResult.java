package com.comfyjobs.simulator.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * validate_prompt's answer: whether to queue, the top-level error when not, the outputs that will run,
 * and the per-node errors (which may be non-empty even when some outputs are good).
 */
public record ValidationResult(boolean valid, ObjectNode error, List<String> outputs, ObjectNode nodeErrors) {
    public ValidationResult {
        outputs = List.copyOf(outputs);
    }
}
