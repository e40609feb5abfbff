package com.comfyjobs.simulator.nodes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A node class as ComfyUI's NODE_CLASS_MAPPINGS holds it: its inputs, return types, whether it is an
 * output node, and the function that runs it. {@code pythonModule} is where ComfyUI loaded it from
 * ("nodes", or "comfy_extras.nodes_mask" and the like), and {@code v3Schema} marks the classes that
 * 0.3.64 defines with the comfy_api schema, whose /object_info entry has a few more fields and no
 * display name unless the schema sets one.
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
        NodeFunction function,
        String pythonModule,
        boolean v3Schema) {

    public NodeDefinition {
        inputs = List.copyOf(inputs);
        hidden = new LinkedHashMap<>(hidden);
        returnTypes = List.copyOf(returnTypes);
        outputTooltips = List.copyOf(outputTooltips);
    }

    /** A class of ComfyUI's own nodes.py. */
    public NodeDefinition(String classType, String displayName, String category, String description, String functionName,
                          List<InputSpec> inputs, Map<String, String> hidden, List<String> returnTypes,
                          List<String> outputTooltips, boolean outputNode, InputValidation validation,
                          ChangeDetector changeDetector, NodeFunction function) {
        this(classType, displayName, category, description, functionName, inputs, hidden, returnTypes, outputTooltips,
                outputNode, validation, changeDetector, function, "nodes", false);
    }

    public Optional<InputSpec> input(String name) {
        return inputs.stream().filter(spec -> spec.name().equals(name)).findFirst();
    }

    /** Whether the node has a sampler's progress bar (drives where crashMidNode stops). */
    public boolean reportsProgress() {
        return function instanceof KSamplerNode;
    }
}
