package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * ImageScaleBy ("Upscale Image By"): both sides times scale_by, rounded as Python rounds. A side that
 * rounds to 0 fails the node, as torch's interpolate (or Pillow, for lanczos) refuses it.
 */
public final class ImageScaleByNode implements NodeFunction {

    public static NodeDefinition definition() {
        return new NodeDefinition("ImageScaleBy", "Upscale Image By", "image/upscaling", "", "upscale",
                List.of(InputSpec.required("image", "IMAGE").typeOnly(),
                        InputSpec.requiredCombo("upscale_method", () -> Resampling.METHODS).typeOnly(),
                        InputSpec.required("scale_by", "FLOAT").with("default", 1.0).with("min", 0.01).with("max", 8.0)
                                .with("step", 0.01)),
                Map.of(), List.of("IMAGE"), List.of(), false, null, null, new ImageScaleByNode());
    }

    @Override
    public NodeResult run(NodeRun run) throws PyException {
        ImageBatch image = (ImageBatch) run.input("image");
        String method = ((JsonNode) run.input("upscale_method")).asText();
        double scale = ((JsonNode) run.input("scale_by")).asDouble();
        run.work();
        int width = ImageScaleNode.pyRound(image.width() * scale);
        int height = ImageScaleNode.pyRound(image.height() * scale);
        return NodeResult.of(ImageScaleNode.upscale(image, width, height, method, false));
    }
}
