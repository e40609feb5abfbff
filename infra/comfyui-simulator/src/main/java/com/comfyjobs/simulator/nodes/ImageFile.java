package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import com.comfyjobs.simulator.png.RowSource;
import com.comfyjobs.simulator.png.SeededPixels;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;

/**
 * An image file as LoadImage and LoadImageMask open it: the first frame's red, green, blue and alpha
 * bytes, as Pillow's {@code convert("RGB")} and {@code convert("RGBA")} give them. Grey images keep
 * their grey level in all three colours (Java's colour conversion would re-gamma them). WebP, which
 * Java cannot decode, has its real size and noise seeded by the file's hash for pixels.
 */
final class ImageFile {
    /** Where each channel sits in a pixel's ARGB int, for {@link #channel}. */
    static final int ALPHA = 24;
    static final int RED = 16;
    static final int GREEN = 8;
    static final int BLUE = 0;
    private static final int OPAQUE = 0xff000000;

    private final int width;
    private final int height;
    private final int[] argb;
    private final boolean alpha;
    private final long contentSeed;

    private ImageFile(int width, int height, int[] argb, boolean alpha, long contentSeed) {
        this.width = width;
        this.height = height;
        this.argb = argb;
        this.alpha = alpha;
        this.contentSeed = contentSeed;
    }

    static ImageFile read(Path file) throws PyException {
        byte[] hash;
        try {
            hash = sha256(file);
        } catch (IOException e) {
            throw new PyException("OSError", String.valueOf(e.getMessage()), List.of());
        }
        long seed = ByteBuffer.wrap(hash).getLong();
        Optional<int[]> webp = WebpSize.of(file);
        if (webp.isPresent()) {
            int w = webp.get()[0];
            int h = webp.get()[1];
            int[] argb = TensorMemory.ints((long) w * h);
            RowSource noise = SeededPixels.of(seed, 0);
            byte[] row = new byte[w * 3];
            for (int y = 0; y < h; y++) {
                noise.fill(y, row, 0);
                for (int x = 0; x < w; x++) {
                    argb[y * w + x] = OPAQUE | (row[3 * x] & 0xff) << 16 | (row[3 * x + 1] & 0xff) << 8 | row[3 * x + 2] & 0xff;
                }
            }
            return new ImageFile(w, h, argb, false, seed);
        }
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new PyException("OSError", String.valueOf(e.getMessage()), List.of());
        }
        if (image == null) {
            throw new PyException("PIL.UnidentifiedImageError", "cannot identify image file '" + file + "'", List.of(
                    SimulatedTraceback.frame("nodes.py", 1640, "load_image", "img = node_helpers.pillow(Image.open, image_path)")));
        }
        int w = image.getWidth();
        int h = image.getHeight();
        int[] argb = TensorMemory.ints((long) w * h);
        boolean alpha = image.getColorModel().hasAlpha();
        if (image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            Raster raster = image.getRaster();
            int shift = Math.max(0, image.getColorModel().getComponentSize(0) - 8);
            int alphaShift = alpha ? Math.max(0, image.getColorModel().getComponentSize(1) - 8) : 0;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int grey = raster.getSample(x, y, 0) >> shift;
                    int a = alpha ? raster.getSample(x, y, 1) >> alphaShift : 0xff;
                    argb[y * w + x] = a << 24 | grey << 16 | grey << 8 | grey;
                }
            }
        } else {
            image.getRGB(0, 0, w, h, argb, 0, w);
        }
        return new ImageFile(w, h, argb, alpha, seed);
    }

    /** LoadImage's IS_CHANGED: the hex SHA-256 of the file's bytes. */
    static String fingerprint(Path file) throws IOException {
        return HexFormat.of().formatHex(sha256(file));
    }

    int width() {
        return width;
    }

    int height() {
        return height;
    }

    /** Whether Pillow would see an alpha band (or a palette with transparency). */
    boolean hasAlpha() {
        return alpha;
    }

    long contentSeed() {
        return contentSeed;
    }

    /** One channel ({@link #ALPHA}, {@link #RED}, {@link #GREEN} or {@link #BLUE}) of pixel {@code index} (rows of pixels). */
    int channel(int index, int shift) {
        return argb[index] >>> shift & 0xff;
    }

    private static byte[] sha256(Path file) throws IOException {
        MessageDigest digest = ContentSeed.sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return digest.digest();
    }
}
