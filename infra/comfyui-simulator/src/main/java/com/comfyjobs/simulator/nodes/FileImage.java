package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import com.comfyjobs.simulator.png.RowSource;

/** LoadImage's pixels: the file's bytes over 255, as {@code np.array(image).astype(np.float32) / 255.0}. */
final class FileImage implements ImageSource {
    private final ImageFile file;

    FileImage(ImageFile file) {
        this.file = file;
    }

    @Override
    public float[] values(int index) throws PyException {
        int pixels = file.width() * file.height();
        float[] values = TensorMemory.floats(pixels * 3L);
        for (int p = 0; p < pixels; p++) {
            values[3 * p] = ImageSource.fromByte(file.channel(p, ImageFile.RED));
            values[3 * p + 1] = ImageSource.fromByte(file.channel(p, ImageFile.GREEN));
            values[3 * p + 2] = ImageSource.fromByte(file.channel(p, ImageFile.BLUE));
        }
        return values;
    }

    /** The file's bytes as they are: {@code byte / 255} turned back into a byte is the byte again. */
    @Override
    public RowSource pngRows(int index) {
        int width = file.width();
        return (y, row, offset) -> {
            for (int x = 0; x < width; x++) {
                int p = y * width + x;
                row[offset + 3 * x] = (byte) file.channel(p, ImageFile.RED);
                row[offset + 3 * x + 1] = (byte) file.channel(p, ImageFile.GREEN);
                row[offset + 3 * x + 2] = (byte) file.channel(p, ImageFile.BLUE);
            }
        };
    }

    @Override
    public Long contentSeed(int batch) {
        return file.contentSeed();
    }
}
