package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The node classes this simulator knows (its NODE_CLASS_MAPPINGS), in ComfyUI's order (nodes.py's,
 * then comfy_extras' modules in the order ComfyUI loads them), and their /object_info form.
 */
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
        add(LoadImageMaskNode.definition(folders));
        add(ImageScaleNode.definition());
        add(ImageScaleByNode.definition());
        add(ImageInvertNode.definition());
        add(EmptyImageNode.definition());
        add(ImageBlurNode.definition());
        add(ImageCompositeMaskedNode.definition());
        add(ImageCropNode.definition());
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
        definition.inputs().stream().filter(spec -> !spec.isOptional())
                .forEach(spec -> required.set(spec.name(), spec.declaration()));
        if (definition.inputs().stream().anyMatch(InputSpec::isOptional)) {
            ObjectNode optional = input.putObject("optional");
            definition.inputs().stream().filter(InputSpec::isOptional)
                    .forEach(spec -> optional.set(spec.name(), spec.declaration()));
        }
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
        if (definition.v3Schema()) {
            // NodeInfoV1 as a dataclass: every field, in its order, tooltips null where none is set.
            ArrayNode tooltips = info.putArray("output_tooltips");
            definition.returnTypes().forEach(type -> tooltips.addNull());
        }
        info.put("name", definition.classType());
        info.put("display_name", definition.displayName());
        info.put("description", definition.description());
        info.put("python_module", definition.pythonModule());
        info.put("category", definition.category());
        info.put("output_node", definition.outputNode());
        if (definition.v3Schema()) {
            info.put("deprecated", false);
            info.put("experimental", false);
            info.put("api_node", false);
        } else if (!definition.outputTooltips().isEmpty()) {
            ArrayNode tooltips = info.putArray("output_tooltips");
            definition.outputTooltips().forEach(tooltips::add);
        }
        return info;
    }
}
