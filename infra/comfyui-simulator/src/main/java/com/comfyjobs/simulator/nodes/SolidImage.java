package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import com.comfyjobs.simulator.png.RowSource;
import java.util.Collections;

/** EmptyImage's pixels: one colour everywhere, held as three values however large the image. */
final class SolidImage implements ImageSource {
    private final int width;
    private final int height;
    private final float[] rgb;

    SolidImage(int width, int height, float red, float green, float blue) {
        this.width = width;
        this.height = height;
        this.rgb = new float[] {red, green, blue};
    }

    @Override
    public float[] values(int index) throws PyException {
        float[] values = TensorMemory.floats((long) width * height * 3);
        for (int i = 0; i < values.length; i += 3) {
            values[i] = rgb[0];
            values[i + 1] = rgb[1];
            values[i + 2] = rgb[2];
        }
        return values;
    }

    @Override
    public RowSource pngRows(int index) {
        byte[] pixel = {ImageSource.toByte(rgb[0]), ImageSource.toByte(rgb[1]), ImageSource.toByte(rgb[2])};
        return (y, row, offset) -> {
            for (int i = offset; i < row.length; i += 3) {
                row[i] = pixel[0];
                row[i + 1] = pixel[1];
                row[i + 2] = pixel[2];
            }
        };
    }

    @Override
    public Long contentSeed(int batch) {
        return ContentSeed.of(width, height, Collections.nCopies(batch, rgb));
    }
}
