package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** The node classes this simulator knows (its NODE_CLASS_MAPPINGS), and their /object_info form. */
public final class NodeCatalog {
    private final Map<String, NodeDefinition> nodes = new LinkedHashMap<>();

    public NodeCatalog(Folders folders, Supplier<List<String>> checkpoints) {
        add(KSamplerNode.definition());
        add(CheckpointLoaderNode.definition(checkpoints));
        add(ClipTextEncodeNode.definition());
        add(VaeDecodeNode.definition());
        add(VaeEncodeNode.definition());
        add(EmptyLatentImageNode.definition());
        add(SaveImageNode.saveImage(folders));
        add(SaveImageNode.previewImage(folders));
        add(LoadImageNode.definition(folders));
    }

    private void add(NodeDefinition definition) {
        nodes.put(definition.classType(), definition);
    }

    public Optional<NodeDefinition> get(String classType) {
        return Optional.ofNullable(nodes.get(classType));
    }

    /** GET /object_info. */
    public ObjectNode objectInfo() {
        ObjectNode out = Json.object();
        nodes.values().forEach(definition -> out.set(definition.classType(), nodeInfo(definition)));
        return out;
    }

    /** server.py's node_info for one class. */
    public ObjectNode nodeInfo(NodeDefinition definition) {
        ObjectNode info = Json.object();
        ObjectNode input = info.putObject("input");
        ObjectNode required = input.putObject("required");
        definition.inputs().forEach(spec -> required.set(spec.name(), spec.info()));
        if (!definition.hidden().isEmpty()) {
            ObjectNode hidden = input.putObject("hidden");
            definition.hidden().forEach(hidden::put);
        }
        ObjectNode order = info.putObject("input_order");
        input.properties().forEach(category -> {
            ArrayNode names = order.putArray(category.getKey());
            category.getValue().fieldNames().forEachRemaining(names::add);
        });
        ArrayNode output = info.putArray("output");
        ArrayNode outputIsList = info.putArray("output_is_list");
        ArrayNode outputName = info.putArray("output_name");
        definition.returnTypes().forEach(type -> {
            output.add(type);
            outputIsList.add(false);
            outputName.add(type);
        });
        info.put("name", definition.classType());
        info.put("display_name", definition.displayName());
        info.put("description", definition.description());
        info.put("python_module", "nodes");
        info.put("category", definition.category());
        info.put("output_node", definition.outputNode());
        if (!definition.outputTooltips().isEmpty()) {
            ArrayNode tooltips = info.putArray("output_tooltips");
            definition.outputTooltips().forEach(tooltips::add);
        }
        return info;
    }
}
