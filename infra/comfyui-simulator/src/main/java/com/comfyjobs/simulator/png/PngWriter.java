package com.comfyjobs.simulator.png;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Writes 8-bit RGB PNGs row by row. Rows go through an uncompressing zlib stream into IDAT chunks of
 * bounded size, so a 16384x16384 image never needs more than one row and one chunk in memory, and the
 * file is as large as a real render of noise would be (width * height * 3 bytes and a little).
 */
public final class PngWriter {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final int IDAT_SIZE = 1 << 20;
    private static final int COLOR_TYPE_RGB = 2;

    private PngWriter() {
    }

    public static void write(Path file, int width, int height, RowSource rows) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(SIGNATURE);
            byte[] header = new byte[13];
            putInt(header, 0, width);
            putInt(header, 4, height);
            header[8] = 8;
            header[9] = COLOR_TYPE_RGB;
            writeChunk(out, "IHDR", header, header.length);

            Deflater deflater = new Deflater(Deflater.NO_COMPRESSION);
            try (IdatStream idat = new IdatStream(out);
                 DeflaterOutputStream zlib = new DeflaterOutputStream(idat, deflater, 1 << 16)) {
                byte[] row = new byte[1 + width * 3];
                for (int y = 0; y < height; y++) {
                    row[0] = 0;
                    rows.fill(y, row, 1);
                    zlib.write(row);
                }
                zlib.finish();
            } finally {
                deflater.end();
            }
            writeChunk(out, "IEND", new byte[0], 0);
        }
    }

    private static void writeChunk(OutputStream out, String type, byte[] data, int length) throws IOException {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        byte[] lengthBytes = new byte[4];
        putInt(lengthBytes, 0, length);
        out.write(lengthBytes);
        out.write(typeBytes);
        out.write(data, 0, length);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data, 0, length);
        byte[] crcBytes = new byte[4];
        putInt(crcBytes, 0, (int) crc.getValue());
        out.write(crcBytes);
    }

    private static void putInt(byte[] target, int offset, int value) {
        target[offset] = (byte) (value >>> 24);
        target[offset + 1] = (byte) (value >>> 16);
        target[offset + 2] = (byte) (value >>> 8);
        target[offset + 3] = (byte) value;
    }

    /** Cuts the zlib stream into IDAT chunks; closing writes the last one but leaves the file open. */
    private static final class IdatStream extends FilterOutputStream {
        private final byte[] buffer = new byte[IDAT_SIZE];
        private int used;

        IdatStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            if (used == buffer.length) {
                flushChunk();
            }
            buffer[used++] = (byte) b;
        }

        @Override
        public void write(byte[] data, int offset, int length) throws IOException {
            while (length > 0) {
                if (used == buffer.length) {
                    flushChunk();
                }
                int n = Math.min(length, buffer.length - used);
                System.arraycopy(data, offset, buffer, used, n);
                used += n;
                offset += n;
                length -= n;
            }
        }

        private void flushChunk() throws IOException {
            if (used > 0) {
                writeChunk(out, "IDAT", buffer, used);
                used = 0;
            }
        }

        @Override
        public void flush() {
            // A chunk is only written when full or at close: zlib's flushes must not cut tiny chunks.
        }

        @Override
        public void close() throws IOException {
            flushChunk();
        }
    }
}
