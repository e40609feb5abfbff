package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ImageCrop (comfy_extras.nodes_images): the width x height region at (x, y). As in ComfyUI, x and y
 * are first moved inside the image, and the region ends at the image's edge, so the result may be
 * smaller than asked but never empty.
 */
public final class ImageCropNode implements NodeFunction {

    public static NodeDefinition definition() {
        int max = EmptyLatentImageNode.MAX_RESOLUTION;
        return new NodeDefinition("ImageCrop", "Image Crop", "image/transform", "", "crop",
                List.of(InputSpec.required("image", "IMAGE").typeOnly(),
                        InputSpec.required("width", "INT").with("default", 512).with("min", 1).with("max", max).with("step", 1),
                        InputSpec.required("height", "INT").with("default", 512).with("min", 1).with("max", max).with("step", 1),
                        InputSpec.required("x", "INT").with("default", 0).with("min", 0).with("max", max).with("step", 1),
                        InputSpec.required("y", "INT").with("default", 0).with("min", 0).with("max", max).with("step", 1)),
                Map.of(), List.of("IMAGE"), List.of(), false, null, null, new ImageCropNode(),
                "comfy_extras.nodes_images", false);
    }

    @Override
    public NodeResult run(NodeRun run) throws PyException {
        ImageBatch image = (ImageBatch) run.input("image");
        int width = ((JsonNode) run.input("width")).asInt();
        int height = ((JsonNode) run.input("height")).asInt();
        int x = Math.min(((JsonNode) run.input("x")).asInt(), image.width() - 1);
        int y = Math.min(((JsonNode) run.input("y")).asInt(), image.height() - 1);
        run.work();
        int cropWidth = Math.min(width, image.width() - x);
        int cropHeight = Math.min(height, image.height() - y);
        List<float[]> cropped = new ArrayList<>();
        for (int i = 0; i < image.batch(); i++) {
            cropped.add(cut(image.values(i), image.width(), x, y, cropWidth, cropHeight));
        }
        return NodeResult.of(ImageBatch.of(cropWidth, cropHeight, cropped));
    }

    /** The cropWidth x cropHeight region at (x, y) of RGB rows {@code width} pixels wide. */
    static float[] cut(float[] values, int width, int x, int y, int cropWidth, int cropHeight) throws PyException {
        float[] out = TensorMemory.floats((long) cropWidth * cropHeight * 3);
        for (int row = 0; row < cropHeight; row++) {
            System.arraycopy(values, ((y + row) * width + x) * 3, out, row * cropWidth * 3, cropWidth * 3);
        }
        return out;
    }
}
