package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ImageCompositeMasked (comfy_extras.nodes_mask): source pasted onto destination with its top-left
 * corner at (x, y), blended by the optional mask ({@code mask * source + (1 - mask) * destination},
 * the mask stretched bilinearly to the source's size; no mask pastes the source as it is). The part
 * that falls outside the destination is dropped. resize_source first stretches the source to the
 * destination's size. Batches shorter than the destination's repeat, as repeat_to_batch_size does.
 */
public final class ImageCompositeMaskedNode implements NodeFunction {

    public static NodeDefinition definition() {
        int max = EmptyLatentImageNode.MAX_RESOLUTION;
        return new NodeDefinition("ImageCompositeMasked", "ImageCompositeMasked", "image", "", "composite",
                List.of(InputSpec.required("destination", "IMAGE").typeOnly(),
                        InputSpec.required("source", "IMAGE").typeOnly(),
                        InputSpec.required("x", "INT").with("default", 0).with("min", 0).with("max", max).with("step", 1),
                        InputSpec.required("y", "INT").with("default", 0).with("min", 0).with("max", max).with("step", 1),
                        InputSpec.required("resize_source", "BOOLEAN").with("default", false),
                        InputSpec.optional("mask", "MASK").typeOnly()),
                Map.of(), List.of("IMAGE"), List.of(), false, null, null, new ImageCompositeMaskedNode(),
                "comfy_extras.nodes_mask", false);
    }

    @Override
    public NodeResult run(NodeRun run) throws PyException {
        ImageBatch destination = (ImageBatch) run.input("destination");
        ImageBatch source = (ImageBatch) run.input("source");
        int x = ((JsonNode) run.input("x")).asInt();
        int y = ((JsonNode) run.input("y")).asInt();
        boolean resize = ((JsonNode) run.input("resize_source")).asBoolean();
        Mask mask = (Mask) run.input("mask");
        run.work();
        int width = destination.width();
        int height = destination.height();
        int sourceWidth = resize ? width : source.width();
        int sourceHeight = resize ? height : source.height();
        int left = Math.min(x, width);
        int top = Math.min(y, height);
        int visibleWidth = Math.min(sourceWidth, width - left);
        int visibleHeight = Math.min(sourceHeight, height - top);
        List<float[]> composited = new ArrayList<>();
        for (int b = 0; b < destination.batch(); b++) {
            float[] pasted = source.values(b % source.batch());
            if (resize) {
                pasted = Resampling.resize(pasted, source.width(), source.height(), 3, width, height, "bilinear");
            }
            float[] weights = mask == null ? null : Resampling.resize(mask.values(b % mask.batch()), mask.width(),
                    mask.height(), 1, sourceWidth, sourceHeight, "bilinear");
            float[] out = TensorMemory.floats((long) width * height * 3);
            System.arraycopy(destination.values(b), 0, out, 0, out.length);
            for (int row = 0; row < visibleHeight; row++) {
                for (int column = 0; column < visibleWidth; column++) {
                    float m = weights == null ? 1f : weights[row * sourceWidth + column];
                    int to = ((top + row) * width + left + column) * 3;
                    int from = (row * sourceWidth + column) * 3;
                    for (int c = 0; c < 3; c++) {
                        out[to + c] = m * pasted[from + c] + (1f - m) * out[to + c];
                    }
                }
            }
            composited.add(out);
        }
        return NodeResult.of(ImageBatch.of(width, height, composited));
    }
}
