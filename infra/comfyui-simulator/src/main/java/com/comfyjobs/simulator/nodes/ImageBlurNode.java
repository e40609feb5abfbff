package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ImageBlur (comfy_extras.nodes_post_processing, a comfy_api schema node in 0.3.64): a Gaussian blur
 * with a kernel of 2 * blur_radius + 1 taps. As in ComfyUI, the kernel's coordinates run from -1 to 1
 * whatever the radius (so sigma is relative to the radius, not in pixels), and the image is
 * reflect-padded, which torch refuses when the radius is not smaller than the image's width or height.
 * The Gaussian is separable, so it is applied as two one-dimensional passes.
 */
public final class ImageBlurNode implements NodeFunction {

    public static NodeDefinition definition() {
        return new NodeDefinition("ImageBlur", null, "image/postprocessing", "", "execute",
                List.of(InputSpec.required("image", "IMAGE"),
                        InputSpec.required("blur_radius", "INT").with("default", 1).with("min", 1).with("max", 31).with("step", 1),
                        InputSpec.required("sigma", "FLOAT").with("default", 1.0).with("min", 0.1).with("max", 10.0).with("step", 0.1)),
                Map.of(), List.of("IMAGE"), List.of(), false, null, null, new ImageBlurNode(),
                "comfy_extras.nodes_post_processing", true);
    }

    @Override
    public NodeResult run(NodeRun run) throws PyException {
        ImageBatch image = (ImageBatch) run.input("image");
        int radius = ((JsonNode) run.input("blur_radius")).asInt();
        double sigma = ((JsonNode) run.input("sigma")).asDouble();
        run.work();
        int width = image.width();
        int height = image.height();
        String shape = "[" + image.batch() + ", 3, " + height + ", " + width + "]";
        if (radius >= width) {
            throw padding(4, radius, 3, shape);
        }
        if (radius >= height) {
            throw padding(6, radius, 2, shape);
        }
        float[] kernel = kernel(radius, sigma);
        List<float[]> blurred = new ArrayList<>();
        for (int i = 0; i < image.batch(); i++) {
            float[] values = image.values(i);
            float[] across = TensorMemory.floats(values.length);
            float[] out = TensorMemory.floats(values.length);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    for (int c = 0; c < 3; c++) {
                        double sum = 0;
                        for (int k = -radius; k <= radius; k++) {
                            sum += kernel[k + radius] * values[(y * width + reflect(x + k, width)) * 3 + c];
                        }
                        across[(y * width + x) * 3 + c] = (float) sum;
                    }
                }
            }
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    for (int c = 0; c < 3; c++) {
                        double sum = 0;
                        for (int k = -radius; k <= radius; k++) {
                            sum += kernel[k + radius] * across[(reflect(y + k, height) * width + x) * 3 + c];
                        }
                        out[(y * width + x) * 3 + c] = (float) sum;
                    }
                }
            }
            blurred.add(out);
        }
        return NodeResult.of(ImageBatch.of(width, height, blurred));
    }

    /**
     * One axis of gaussian_kernel: exp(-d^2 / (2 sigma^2)) over torch.linspace(-1, 1, size), normalised.
     * The 2D kernel ComfyUI builds is the product of two of these.
     */
    static float[] kernel(int radius, double sigma) {
        int size = 2 * radius + 1;
        float step = 2f / (size - 1);
        double[] weights = new double[size];
        double total = 0;
        for (int i = 0; i < size; i++) {
            // torch.linspace counts from the start for the first half and back from the end for the second.
            float coordinate = i < size / 2 ? -1f + i * step : 1f - (size - 1 - i) * step;
            weights[i] = Math.exp(-(coordinate * coordinate) / (2.0 * sigma * sigma));
            total += weights[i];
        }
        float[] kernel = new float[size];
        for (int i = 0; i < size; i++) {
            kernel[i] = (float) (weights[i] / total);
        }
        return kernel;
    }

    /** Reflect padding's index: -1 reads 1, size reads size - 2 (the edge itself is not repeated). */
    private static int reflect(int index, int size) {
        if (index < 0) {
            return -index;
        }
        return index >= size ? 2 * (size - 1) - index : index;
    }

    private static PyException padding(int argument, int radius, int dimension, String shape) {
        return new PyException("RuntimeError", "Argument #" + argument + ": Padding size should be less than the "
                + "corresponding input dimension, but got: padding (" + radius + ", " + radius + ") at dimension "
                + dimension + " of input " + shape, SimulatedTraceback.nodeCall(List.of(
                SimulatedTraceback.frame("comfy_extras/nodes_post_processing.py", 98, "execute",
                        "padded_image = F.pad(image, (blur_radius,blur_radius,blur_radius,blur_radius), 'reflect')"))));
    }
}
