package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ImageInvert: {@code 1.0 - image} in float32. Saved, a byte b often comes back as 254 - b rather
 * than 255 - b, since SaveImage truncates; so it does in ComfyUI.
 */
public final class ImageInvertNode implements NodeFunction {

    public static NodeDefinition definition() {
        return new NodeDefinition("ImageInvert", "Invert Image", "image", "", "invert",
                List.of(InputSpec.required("image", "IMAGE").typeOnly()),
                Map.of(), List.of("IMAGE"), List.of(), false, null, null, new ImageInvertNode());
    }

    @Override
    public NodeResult run(NodeRun run) throws PyException {
        ImageBatch image = (ImageBatch) run.input("image");
        run.work();
        List<float[]> inverted = new ArrayList<>();
        for (int i = 0; i < image.batch(); i++) {
            float[] values = image.values(i);
            float[] out = TensorMemory.floats(values.length);
            for (int k = 0; k < values.length; k++) {
                out[k] = 1f - values[k];
            }
            inverted.add(out);
        }
        return NodeResult.of(ImageBatch.of(image.width(), image.height(), inverted));
    }
}
