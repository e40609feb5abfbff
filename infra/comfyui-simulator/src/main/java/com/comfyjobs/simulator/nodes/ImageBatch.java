package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import com.comfyjobs.simulator.png.RowSource;
import java.util.List;

/**
 * An IMAGE: ComfyUI's float tensor of shape (batch, height, width, 3), values nominally 0..1. Its
 * values come from a {@link ImageSource}: a render (noise fixed by a seed), a solid colour, a file or
 * values a node computed. Renders and solid colours are never held in memory, so a 16384x16384 render
 * still streams to disk; the image nodes ask for the values and so hold them.
 */
public final class ImageBatch {
    private final int width;
    private final int height;
    private final int batch;
    private final ImageSource source;

    private ImageBatch(int width, int height, int batch, ImageSource source) {
        this.width = width;
        this.height = height;
        this.batch = batch;
        this.source = source;
    }

    /** A decoded render: noise that is a pure function of {@code seed} (null: the flat grey of an empty latent). */
    public static ImageBatch rendered(int width, int height, int batch, Long seed) {
        return new ImageBatch(width, height, batch, new SeededImage(width, height, seed));
    }

    /** {@code batch} images of one colour, each channel's value as the tensor holds it. */
    public static ImageBatch solid(int width, int height, int batch, float red, float green, float blue) {
        return new ImageBatch(width, height, batch, new SolidImage(width, height, red, green, blue));
    }

    /** One image decoded from a file when its values are first needed. */
    static ImageBatch file(int width, int height, ImageFile file) {
        return new ImageBatch(width, height, 1, new FileImage(file));
    }

    /** Values a node computed: one {@code height * width * 3} array (rows of RGB) per image. */
    public static ImageBatch of(int width, int height, List<float[]> images) {
        return new ImageBatch(width, height, images.size(), new HeldImage(width, height, images));
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

    /**
     * The values of image {@code index} as rows of RGB floats. Shared, never to be changed: nodes
     * build new arrays, as ComfyUI's nodes return new tensors.
     */
    public float[] values(int index) throws PyException {
        return source.values(index);
    }

    /** Image {@code index} as SaveImage writes it: {@code clip(255 * value)} truncated to a byte. */
    public RowSource pngRows(int index) throws PyException {
        return source.pngRows(index);
    }

    /**
     * What VAEEncode keeps of the image: equal for equal content, null for the flat grey of an empty
     * latent, so encoding a decoded render gives back the latent it came from.
     */
    public Long contentSeed() throws PyException {
        return source.contentSeed(batch);
    }

    @Override
    public String toString() {
        return "tensor(..., size=(" + batch + ", " + height + ", " + width + ", 3))";
    }
}
