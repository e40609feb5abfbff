package com.comfyjobs.artifacts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Object keys: {@code artifacts/{userId}/{jobId}/{attempt}/{node}/[{subfolder}/]{filename}}. The same
 * output of the same attempt always gets the same key, so a copy that is repeated (a retry, recovery
 * finishing what a webhook started) overwrites instead of duplicating.
 *
 * <p>Every part is percent-encoded outside a small safe alphabet, so no caller-influenced value can
 * add path levels or reach another prefix, and no two different values share a key (a lossy
 * replacement would let user {@code a/b} and user {@code a_b} share one folder). S3 refuses keys over
 * 1,024 bytes; a longer key keeps its head and ends in the SHA-256 of the whole, which is still one
 * key per output.
 */
public final class ArtifactKeys {
    /** Where every job output lies, and nothing else. */
    public static final String ROOT = "artifacts/";
    /** S3's limit on a key, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = 1024;
    private static final int DIGEST_CHARS = 64;

    private ArtifactKeys() {
    }

    public static String key(String userId, String jobId, int attempt, String node, String subfolder, String filename) {
        StringBuilder key = new StringBuilder(jobPrefix(userId, jobId)).append(attempt).append('/').append(segment(node));
        if (subfolder != null && !subfolder.isEmpty()) {
            for (String s : subfolder.split("/")) {
                if (!s.isEmpty()) {
                    key.append('/').append(segment(s));
                }
            }
        }
        key.append('/').append(segment(filename));
        return bounded(key.toString());
    }

    /**
     * What every output key of the job, of any attempt, starts with ({@code artifacts/{userId}/{jobId}/}),
     * unless the key was too long and ends in a digest (then its head may stop short of it).
     */
    public static String jobPrefix(String userId, String jobId) {
        return ROOT + segment(userId) + '/' + segment(jobId) + '/';
    }

    /**
     * Letters, digits and {@code . _ - @ +} stay; every other byte becomes {@code %XX}, the percent sign
     * included. A name of dots only (a path step up) and the empty name are escaped too.
     */
    public static String segment(String s) {
        if (s.isEmpty()) {
            return "%";
        }
        if (s.chars().allMatch(c -> c == '.')) {
            return "%2E".repeat(s.length());
        }
        StringBuilder b = new StringBuilder(s.length());
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-' || c == '@' || c == '+';
            if (safe) {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return b.toString();
    }

    private static String bounded(String key) {
        if (key.length() <= MAX_KEY_BYTES) {
            return key;
        }
        // the key is ASCII (every other byte was escaped), so characters are bytes
        return key.substring(0, MAX_KEY_BYTES - DIGEST_CHARS - 1) + "~" + sha256(key);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
