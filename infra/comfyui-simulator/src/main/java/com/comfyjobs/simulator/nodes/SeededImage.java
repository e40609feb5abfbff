package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import com.comfyjobs.simulator.png.RowSource;
import com.comfyjobs.simulator.png.SeededPixels;

/** A render's pixels: {@link SeededPixels} noise (or flat grey), produced row by row when asked for. */
final class SeededImage implements ImageSource {
    private final int width;
    private final int height;
    private final Long seed;

    SeededImage(int width, int height, Long seed) {
        this.width = width;
        this.height = height;
        this.seed = seed;
    }

    @Override
    public float[] values(int index) throws PyException {
        float[] values = TensorMemory.floats((long) width * height * 3);
        RowSource rows = SeededPixels.of(seed, index);
        byte[] row = new byte[width * 3];
        for (int y = 0; y < height; y++) {
            rows.fill(y, row, 0);
            for (int i = 0; i < row.length; i++) {
                values[y * row.length + i] = ImageSource.fromByte(row[i] & 0xff);
            }
        }
        return values;
    }

    @Override
    public RowSource pngRows(int index) {
        return SeededPixels.of(seed, index);
    }

    @Override
    public Long contentSeed(int batch) {
        return seed;
    }
}
