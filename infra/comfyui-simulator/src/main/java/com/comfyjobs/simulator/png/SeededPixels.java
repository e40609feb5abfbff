package com.comfyjobs.simulator.png;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The pixels of a simulated render: noise that is a pure function of (seed, image index), or a flat
 * grey when there is no seed. Rows must be requested in order, which is how {@link PngWriter} asks.
 */
public final class SeededPixels implements RowSource {
    private static final byte GREY = (byte) 0x7f;

    private final SplittableRandom random;

    private SeededPixels(SplittableRandom random) {
        this.random = random;
    }

    public static RowSource of(Long seed, int imageIndex) {
        if (seed == null) {
            return (y, row, offset) -> Arrays.fill(row, offset, row.length, GREY);
        }
        return new SeededPixels(new SplittableRandom(seed * 0x9E3779B97F4A7C15L + imageIndex));
    }

    @Override
    public void fill(int y, byte[] row, int offset) {
        int i = offset;
        int end = row.length;
        while (i + 8 <= end) {
            long bits = random.nextLong();
            for (int b = 0; b < 8; b++) {
                row[i++] = (byte) (bits >>> (b * 8));
            }
        }
        if (i < end) {
            long bits = random.nextLong();
            while (i < end) {
                row[i++] = (byte) bits;
                bits >>>= 8;
            }
        }
    }
}
