package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.png.RowSource;
import java.util.List;

/** Values a node computed, one array of RGB rows per image. */
final class HeldImage implements ImageSource {
    private final int width;
    private final int height;
    private final List<float[]> images;
    private Long contentSeed;

    HeldImage(int width, int height, List<float[]> images) {
        this.width = width;
        this.height = height;
        this.images = List.copyOf(images);
    }

    @Override
    public float[] values(int index) {
        return images.get(index);
    }

    @Override
    public RowSource pngRows(int index) {
        return ImageSource.rowsOf(images.get(index), width);
    }

    @Override
    public synchronized Long contentSeed(int batch) {
        if (contentSeed == null) {
            contentSeed = ContentSeed.of(width, height, images);
        }
        return contentSeed;
    }
}
