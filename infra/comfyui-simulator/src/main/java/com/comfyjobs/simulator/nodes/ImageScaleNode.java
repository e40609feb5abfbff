package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ImageScale ("Upscale Image"): to width x height with one of common_upscale's methods. A 0 for one
 * side keeps the aspect ratio, 0 for both returns the image unchanged; crop "center" first cuts the
 * image to the target's aspect ratio, centred.
 */
public final class ImageScaleNode implements NodeFunction {
    static final List<String> CROP_METHODS = List.of("disabled", "center");

    public static NodeDefinition definition() {
        return new NodeDefinition("ImageScale", "Upscale Image", "image/upscaling", "", "upscale",
                List.of(InputSpec.required("image", "IMAGE").typeOnly(),
                        InputSpec.requiredCombo("upscale_method", () -> Resampling.METHODS).typeOnly(),
                        InputSpec.required("width", "INT").with("default", 512).with("min", 0)
                                .with("max", EmptyLatentImageNode.MAX_RESOLUTION).with("step", 1),
                        InputSpec.required("height", "INT").with("default", 512).with("min", 0)
                                .with("max", EmptyLatentImageNode.MAX_RESOLUTION).with("step", 1),
                        InputSpec.requiredCombo("crop", () -> CROP_METHODS).typeOnly()),
                Map.of(), List.of("IMAGE"), List.of(), false, null, null, new ImageScaleNode());
    }

    @Override
    public NodeResult run(NodeRun run) throws PyException {
        ImageBatch image = (ImageBatch) run.input("image");
        String method = ((JsonNode) run.input("upscale_method")).asText();
        int width = ((JsonNode) run.input("width")).asInt();
        int height = ((JsonNode) run.input("height")).asInt();
        boolean center = ((JsonNode) run.input("crop")).asText().equals("center");
        run.work();
        if (width == 0 && height == 0) {
            return NodeResult.of(image);
        }
        if (width == 0) {
            width = Math.max(1, pyRound((double) image.width() * height / image.height()));
        } else if (height == 0) {
            height = Math.max(1, pyRound((double) image.height() * width / image.width()));
        }
        return NodeResult.of(upscale(image, width, height, method, center));
    }

    /** comfy.utils.common_upscale over a batch. */
    static ImageBatch upscale(ImageBatch image, int width, int height, String method, boolean center) throws PyException {
        int x = 0;
        int y = 0;
        int oldWidth = image.width();
        int oldHeight = image.height();
        if (center) {
            double oldAspect = (double) oldWidth / oldHeight;
            double newAspect = (double) width / height;
            if (oldAspect > newAspect) {
                x = pyRound((oldWidth - oldWidth * (newAspect / oldAspect)) / 2);
            } else if (oldAspect < newAspect) {
                y = pyRound((oldHeight - oldHeight * (oldAspect / newAspect)) / 2);
            }
        }
        int cropWidth = oldWidth - 2 * x;
        int cropHeight = oldHeight - 2 * y;
        List<float[]> scaled = new ArrayList<>();
        for (int i = 0; i < image.batch(); i++) {
            float[] values = image.values(i);
            if (x != 0 || y != 0) {
                values = ImageCropNode.cut(values, oldWidth, x, y, cropWidth, cropHeight);
            }
            scaled.add(Resampling.resize(values, cropWidth, cropHeight, 3, width, height, method));
        }
        return ImageBatch.of(width, height, scaled);
    }

    /** Python's round(): halves go to the even neighbour. */
    static int pyRound(double value) {
        return (int) Math.rint(value);
    }
}
