package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import java.util.List;

/**
 * comfy.utils.common_upscale's resampling of one image (rows of {@code channels} floats):
 * {@code torch.nn.functional.interpolate} for nearest-exact, bilinear, bicubic and area (without
 * align_corners or antialiasing, as ComfyUI calls it), and Pillow's LANCZOS on the image converted
 * to bytes and back for lanczos. Values are not clamped: bicubic overshoots as torch's does.
 */
final class Resampling {
    /** ImageScale's and ImageScaleBy's upscale_method options, in ComfyUI's order. */
    static final List<String> METHODS = List.of("nearest-exact", "bilinear", "area", "bicubic", "lanczos");

    private static final float BICUBIC_A = -0.75f;
    private static final double LANCZOS_SUPPORT = 3.0;
    /** Pillow's fixed-point precision for 8-bit resampling (32 - 8 - 2 bits). */
    private static final int PRECISION_BITS = 22;

    private Resampling() {
    }

    static float[] resize(float[] source, int width, int height, int channels, int toWidth, int toHeight, String method)
            throws PyException {
        if (method.equals("lanczos")) {
            if (toWidth <= 0 || toHeight <= 0) {
                throw new PyException("ValueError", "height and width must be > 0", SimulatedTraceback.nodeCall(List.of(
                        SimulatedTraceback.frame("comfy/utils.py", 856, "lanczos",
                                "images = [image.resize((width, height), resample=Image.Resampling.LANCZOS) for image in images]"))));
            }
            return lanczos(source, width, height, channels, toWidth, toHeight);
        }
        if (toWidth <= 0 || toHeight <= 0) {
            throw new PyException("RuntimeError", "Input and output sizes should be greater than 0, but got input (H: "
                    + height + ", W: " + width + ") output (H: " + toHeight + ", W: " + toWidth + ")",
                    SimulatedTraceback.nodeCall(List.of(SimulatedTraceback.frame("comfy/utils.py", 887, "common_upscale",
                            "out = torch.nn.functional.interpolate(s, size=(height, width), mode=upscale_method)"))));
        }
        if (method.equals("area")) {
            return area(source, width, height, channels, toWidth, toHeight);
        }
        Axis xs = axis(method, width, toWidth);
        Axis ys = axis(method, height, toHeight);
        float[] out = TensorMemory.floats((long) toWidth * toHeight * channels);
        // float32 throughout, as torch computes for float tensors on the CPU.
        for (int oy = 0; oy < toHeight; oy++) {
            for (int ox = 0; ox < toWidth; ox++) {
                for (int c = 0; c < channels; c++) {
                    float sum = 0;
                    for (int j = ys.start[oy]; j < ys.start[oy] + ys.count; j++) {
                        float row = 0;
                        for (int i = xs.start[ox]; i < xs.start[ox] + xs.count; i++) {
                            row += xs.weight[i] * source[(ys.index[j] * width + xs.index[i]) * channels + c];
                        }
                        sum += ys.weight[j] * row;
                    }
                    out[(oy * toWidth + ox) * channels + c] = sum;
                }
            }
        }
        return out;
    }

    /** Where each output position of one axis reads from: {@code count} taps from {@code start[o]}, each an index and a weight. */
    private record Axis(int count, int[] start, int[] index, float[] weight) {
    }

    private static Axis axis(String method, int size, int to) {
        return switch (method) {
            case "nearest-exact" -> nearestExact(size, to);
            case "bilinear" -> bilinear(size, to);
            case "bicubic" -> bicubic(size, to);
            default -> throw new IllegalArgumentException("validation admits only " + METHODS + ", not " + method);
        };
    }

    private static Axis nearestExact(int size, int to) {
        float scale = (float) size / to;
        int[] start = new int[to];
        int[] index = new int[to];
        float[] weight = new float[to];
        for (int o = 0; o < to; o++) {
            start[o] = o;
            index[o] = Math.min((int) Math.floor((float) ((o + 0.5) * scale)), size - 1);
            weight[o] = 1;
        }
        return new Axis(1, start, index, weight);
    }

    private static Axis bilinear(int size, int to) {
        float scale = (float) size / to;
        int[] start = new int[to];
        int[] index = new int[2 * to];
        float[] weight = new float[2 * to];
        for (int o = 0; o < to; o++) {
            float real = Math.max(scale * (o + 0.5f) - 0.5f, 0f);
            int i0 = (int) real;
            float lambda1 = Math.min(Math.max(real - i0, 0f), 1f);
            start[o] = 2 * o;
            index[2 * o] = i0;
            index[2 * o + 1] = i0 + (i0 < size - 1 ? 1 : 0);
            weight[2 * o] = 1f - lambda1;
            weight[2 * o + 1] = lambda1;
        }
        return new Axis(2, start, index, weight);
    }

    private static Axis bicubic(int size, int to) {
        float scale = (float) size / to;
        int[] start = new int[to];
        int[] index = new int[4 * to];
        float[] weight = new float[4 * to];
        for (int o = 0; o < to; o++) {
            float real = scale * (o + 0.5f) - 0.5f;
            // guard_index_and_lambda: the first output positions read from index -1 (clamped to 0 below).
            int i0 = Math.min((int) Math.floor(real), size - 1);
            float t = Math.min(Math.max(real - i0, 0f), 1f);
            float[] coefficients = {cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)};
            start[o] = 4 * o;
            for (int k = 0; k < 4; k++) {
                index[4 * o + k] = Math.min(Math.max(i0 - 1 + k, 0), size - 1);
                weight[4 * o + k] = coefficients[k];
            }
        }
        return new Axis(4, start, index, weight);
    }

    /** Keys' cubic convolution for |x| <= 1, with torch's A = -0.75. */
    private static float cubicNear(float x) {
        return ((BICUBIC_A + 2) * x - (BICUBIC_A + 3)) * x * x + 1;
    }

    /** The same for 1 < |x| < 2. */
    private static float cubicFar(float x) {
        return ((BICUBIC_A * x - 5 * BICUBIC_A) * x + 8 * BICUBIC_A) * x - 4 * BICUBIC_A;
    }

    /** adaptive_avg_pool2d: the mean of the window [floor(o * size / to), ceil((o + 1) * size / to)) on each axis. */
    private static float[] area(float[] source, int width, int height, int channels, int toWidth, int toHeight)
            throws PyException {
        float[] out = TensorMemory.floats((long) toWidth * toHeight * channels);
        for (int oy = 0; oy < toHeight; oy++) {
            int y0 = windowStart(oy, height, toHeight);
            int y1 = windowEnd(oy, height, toHeight);
            for (int ox = 0; ox < toWidth; ox++) {
                int x0 = windowStart(ox, width, toWidth);
                int x1 = windowEnd(ox, width, toWidth);
                for (int c = 0; c < channels; c++) {
                    float sum = 0;
                    for (int y = y0; y < y1; y++) {
                        for (int x = x0; x < x1; x++) {
                            sum += source[(y * width + x) * channels + c];
                        }
                    }
                    out[(oy * toWidth + ox) * channels + c] = sum / (y1 - y0) / (x1 - x0);
                }
            }
        }
        return out;
    }

    private static int windowStart(int o, int size, int to) {
        return (int) ((long) o * size / to);
    }

    private static int windowEnd(int o, int size, int to) {
        return (int) (((long) (o + 1) * size + to - 1) / to);
    }

    /** Pillow's Image.resize(LANCZOS) of the image as bytes: a horizontal pass, then a vertical one. */
    private static float[] lanczos(float[] source, int width, int height, int channels, int toWidth, int toHeight)
            throws PyException {
        int[] bytes = new int[source.length];
        for (int i = 0; i < source.length; i++) {
            bytes[i] = ImageSource.toByte(source[i]) & 0xff;
        }
        int[] wide = width == toWidth ? bytes : lanczosPass(bytes, width, height, channels, toWidth, true);
        int[] done = height == toHeight ? wide : lanczosPass(wide, toWidth, height, channels, toHeight, false);
        float[] out = TensorMemory.floats((long) toWidth * toHeight * channels);
        for (int i = 0; i < out.length; i++) {
            out[i] = ImageSource.fromByte(done[i]);
        }
        return out;
    }

    private static int[] lanczosPass(int[] in, int width, int height, int channels, int to, boolean horizontal) {
        int size = horizontal ? width : height;
        double scale = (double) size / to;
        double filterScale = Math.max(scale, 1.0);
        double support = LANCZOS_SUPPORT * filterScale;
        int outWidth = horizontal ? to : width;
        int outHeight = horizontal ? height : to;
        int[] out = new int[outWidth * outHeight * channels];
        for (int o = 0; o < to; o++) {
            double center = (o + 0.5) * scale;
            int min = Math.max((int) (center - support + 0.5), 0);
            int max = Math.min((int) (center + support + 0.5), size) - min;
            double[] weights = new double[max];
            double total = 0;
            for (int k = 0; k < max; k++) {
                weights[k] = lanczosKernel((k + min - center + 0.5) / filterScale);
                total += weights[k];
            }
            int[] fixed = new int[max];
            for (int k = 0; k < max; k++) {
                double w = total != 0 ? weights[k] / total : weights[k];
                fixed[k] = (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
            }
            int lines = horizontal ? height : width;
            for (int line = 0; line < lines; line++) {
                for (int c = 0; c < channels; c++) {
                    int sum = 1 << (PRECISION_BITS - 1);
                    for (int k = 0; k < max; k++) {
                        int at = horizontal ? (line * width + min + k) : ((min + k) * width + line);
                        sum += in[at * channels + c] * fixed[k];
                    }
                    int target = horizontal ? (line * outWidth + o) : (o * outWidth + line);
                    out[target * channels + c] = Math.min(Math.max(sum >> PRECISION_BITS, 0), 255);
                }
            }
        }
        return out;
    }

    private static double lanczosKernel(double x) {
        return -LANCZOS_SUPPORT <= x && x < LANCZOS_SUPPORT ? sinc(x) * sinc(x / LANCZOS_SUPPORT) : 0;
    }

    private static double sinc(double x) {
        if (x == 0) {
            return 1;
        }
        double px = x * Math.PI;
        return Math.sin(px) / px;
    }
}
