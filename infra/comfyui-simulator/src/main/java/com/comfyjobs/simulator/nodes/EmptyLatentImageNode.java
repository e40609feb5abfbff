package com.comfyjobs.simulator.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * EmptyLatentImage. Like ComfyUI it makes a latent of width//8 by height//8, so the decoded image is
 * rounded down to a multiple of 8 (the "step": 8 option is a UI hint that validation does not enforce).
 */
public final class EmptyLatentImageNode implements NodeFunction {
    /** nodes.MAX_RESOLUTION. */
    public static final int MAX_RESOLUTION = 16384;

    public static NodeDefinition definition() {
        return new NodeDefinition("EmptyLatentImage", "Empty Latent Image", "latent",
                "Create a new batch of empty latent images to be denoised via sampling.",
                "generate",
                List.of(InputSpec.required("width", "INT").with("default", 512).with("min", 16).with("max", MAX_RESOLUTION)
                                .with("step", 8).with("tooltip", "The width of the latent images in pixels."),
                        InputSpec.required("height", "INT").with("default", 512).with("min", 16).with("max", MAX_RESOLUTION)
                                .with("step", 8).with("tooltip", "The height of the latent images in pixels."),
                        InputSpec.required("batch_size", "INT").with("default", 1).with("min", 1).with("max", 4096)
                                .with("tooltip", "The number of latent images in the batch.")),
                Map.of(),
                List.of("LATENT"),
                List.of("The empty latent image batch."),
                false, null, null, new EmptyLatentImageNode());
    }

    @Override
    public NodeResult run(NodeRun run) {
        int width = ((JsonNode) run.input("width")).asInt();
        int height = ((JsonNode) run.input("height")).asInt();
        int batch = ((JsonNode) run.input("batch_size")).asInt();
        run.work();
        return NodeResult.of(new Latent(width / 8, height / 8, batch, null));
    }
}
