package com.comfyjobs.simulator.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** EmptyImage: a batch of images of one colour, given as 0xRRGGBB, with no model involved. */
public final class EmptyImageNode implements NodeFunction {

    public static NodeDefinition definition() {
        return new NodeDefinition("EmptyImage", "EmptyImage", "image", "", "generate",
                List.of(InputSpec.required("width", "INT").with("default", 512).with("min", 1)
                                .with("max", EmptyLatentImageNode.MAX_RESOLUTION).with("step", 1),
                        InputSpec.required("height", "INT").with("default", 512).with("min", 1)
                                .with("max", EmptyLatentImageNode.MAX_RESOLUTION).with("step", 1),
                        InputSpec.required("batch_size", "INT").with("default", 1).with("min", 1).with("max", 4096),
                        InputSpec.required("color", "INT").with("default", 0).with("min", 0).with("max", 0xFFFFFF)
                                .with("step", 1).with("display", "color")),
                Map.of(), List.of("IMAGE"), List.of(), false, null, null, new EmptyImageNode());
    }

    @Override
    public NodeResult run(NodeRun run) {
        int width = ((JsonNode) run.input("width")).asInt();
        int height = ((JsonNode) run.input("height")).asInt();
        int batch = ((JsonNode) run.input("batch_size")).asInt();
        int color = ((JsonNode) run.input("color")).asInt();
        run.work();
        return NodeResult.of(ImageBatch.solid(width, height, batch, channel(color >> 16), channel(color >> 8), channel(color)));
    }

    /** {@code (byte & 0xFF) / 0xFF} in Python's double, stored by torch.full as float32. */
    private static float channel(int shifted) {
        return (float) ((shifted & 0xFF) / 255.0);
    }
}
