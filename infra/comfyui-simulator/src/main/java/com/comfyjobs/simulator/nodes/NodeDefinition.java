package com.comfyjobs.simulator.nodes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A node class as ComfyUI's NODE_CLASS_MAPPINGS holds it: its inputs, return types, whether it is an
 * output node, and the function that runs it.
 */
public record NodeDefinition(
        String classType,
        String displayName,
        String category,
        String description,
        String functionName,
        List<InputSpec> inputs,
        Map<String, String> hidden,
        List<String> returnTypes,
        List<String> outputTooltips,
        boolean outputNode,
        InputValidation validation,
        ChangeDetector changeDetector,
        NodeFunction function) {

    public NodeDefinition {
        inputs = List.copyOf(inputs);
        hidden = new LinkedHashMap<>(hidden);
        returnTypes = List.copyOf(returnTypes);
        outputTooltips = List.copyOf(outputTooltips);
    }

    public Optional<InputSpec> input(String name) {
        return inputs.stream().filter(spec -> spec.name().equals(name)).findFirst();
    }

    /** Whether the node has a sampler's progress bar (drives where crashMidNode stops). */
    public boolean reportsProgress() {
        return function instanceof KSamplerNode;
    }
}
