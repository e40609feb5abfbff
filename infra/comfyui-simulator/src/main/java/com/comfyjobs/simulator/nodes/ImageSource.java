package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import com.comfyjobs.simulator.png.RowSource;

/** Where an {@link ImageBatch}'s values come from. */
interface ImageSource {
    float[] values(int index) throws PyException;

    RowSource pngRows(int index) throws PyException;

    Long contentSeed(int batch) throws PyException;

    /** SaveImage's conversion: {@code np.clip(255. * value, 0, 255).astype(np.uint8)}, in float32. */
    static byte toByte(float value) {
        float scaled = 255f * value;
        if (scaled >= 255f) {
            return (byte) 255;
        }
        // NaN fails both tests and becomes 0, as numpy's cast gives it on x86.
        return scaled > 0f ? (byte) (int) scaled : 0;
    }

    /** LoadImage's conversion of a byte: {@code np.array(image).astype(np.float32) / 255.0}. */
    static float fromByte(int value) {
        return value / 255f;
    }

    /** RGB rows of SaveImage bytes from an array of values. */
    static RowSource rowsOf(float[] values, int width) {
        return (y, row, offset) -> {
            int from = y * width * 3;
            for (int i = 0; i < width * 3; i++) {
                row[offset + i] = toByte(values[from + i]);
            }
        };
    }
}
