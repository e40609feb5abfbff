package com.comfyjobs.simulator.nodes;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * A 64-bit fingerprint of the values that describe an image, so that VAEEncode gives equal latents
 * for equal inputs and different ones otherwise.
 */
final class ContentSeed {
    private ContentSeed() {
    }

    static long of(int width, int height, List<float[]> images) {
        MessageDigest digest = sha256();
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        buffer.putInt(width).putInt(height).putInt(images.size());
        for (float[] image : images) {
            for (float value : image) {
                if (buffer.remaining() < Float.BYTES) {
                    digest.update(buffer.array(), 0, buffer.position());
                    buffer.clear();
                }
                buffer.putFloat(value);
            }
        }
        digest.update(buffer.array(), 0, buffer.position());
        return ByteBuffer.wrap(digest.digest()).getLong();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
