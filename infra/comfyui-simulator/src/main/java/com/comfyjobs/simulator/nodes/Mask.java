package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;

/**
 * A MASK: ComfyUI's float tensor of shape (batch, height, width), 1 where a composite takes the
 * source. File masks are computed from the file when a node asks for them.
 */
public final class Mask {
    /** LoadImage's mask of an image without alpha: {@code torch.zeros((64, 64))}, whatever the image's size. */
    static final int PLACEHOLDER_SIZE = 64;

    private final int width;
    private final int height;
    private final int batch;
    private final Values values;

    @FunctionalInterface
    private interface Values {
        float[] of(int index) throws PyException;
    }

    private Mask(int width, int height, int batch, Values values) {
        this.width = width;
        this.height = height;
        this.batch = batch;
        this.values = values;
    }

    /** The 64x64 zeros LoadImage gives for an image without alpha. */
    static Mask placeholder() {
        return new Mask(PLACEHOLDER_SIZE, PLACEHOLDER_SIZE, 1, index -> new float[PLACEHOLDER_SIZE * PLACEHOLDER_SIZE]);
    }

    /**
     * One channel of a file as a mask: {@code byte / 255}, or {@code 1 - alpha / 255} for the alpha
     * channel, so that opaque means "keep the destination".
     */
    static Mask ofChannel(ImageFile file, int shift) {
        int pixels = file.width() * file.height();
        return new Mask(file.width(), file.height(), 1, index -> {
            float[] mask = TensorMemory.floats(pixels);
            for (int p = 0; p < pixels; p++) {
                float value = ImageSource.fromByte(file.channel(p, shift));
                mask[p] = shift == ImageFile.ALPHA ? 1f - value : value;
            }
            return mask;
        });
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int batch() {
        return batch;
    }

    /** Mask {@code index}'s values in rows; shared, never to be changed. */
    public float[] values(int index) throws PyException {
        return values.of(index);
    }

    @Override
    public String toString() {
        return "tensor(..., size=(" + batch + ", " + height + ", " + width + "))";
    }
}
