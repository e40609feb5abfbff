package com.comfyjobs.simulator.nodes;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The size of a WebP image from its first chunk (lossy VP8, lossless VP8L or extended VP8X). Java's
 * ImageIO reads no WebP, and ComfyUI (Pillow) does, so LoadImage would refuse what ComfyUI takes.
 */
final class WebpSize {
    private WebpSize() {
    }

    /** {width, height}, or empty when the file is not a WebP image this can read. */
    static Optional<int[]> of(Path file) {
        byte[] h;
        try (InputStream in = Files.newInputStream(file)) {
            h = in.readNBytes(30);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (h.length < 30 || !ascii(h, 0, "RIFF") || !ascii(h, 8, "WEBP")) {
            return Optional.empty();
        }
        int d = 20;
        if (ascii(h, 12, "VP8 ") && (h[d + 3] & 0xff) == 0x9d && (h[d + 4] & 0xff) == 0x01 && (h[d + 5] & 0xff) == 0x2a) {
            return size(le(h, d + 6, 2) & 0x3fff, le(h, d + 8, 2) & 0x3fff);
        }
        if (ascii(h, 12, "VP8L") && (h[d] & 0xff) == 0x2f) {
            int bits = le(h, d + 1, 4);
            return size((bits & 0x3fff) + 1, (bits >>> 14 & 0x3fff) + 1);
        }
        if (ascii(h, 12, "VP8X")) {
            return size(le(h, d + 4, 3) + 1, le(h, d + 7, 3) + 1);
        }
        return Optional.empty();
    }

    private static Optional<int[]> size(int width, int height) {
        return width > 0 && height > 0 ? Optional.of(new int[] {width, height}) : Optional.empty();
    }

    private static boolean ascii(byte[] b, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (b[at + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int le(byte[] b, int at, int n) {
        int v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = v << 8 | b[at + i] & 0xff;
        }
        return v;
    }
}
