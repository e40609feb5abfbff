package com.comfyjobs.inputs;

import com.comfyjobs.artifacts.ArtifactKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Where input images wait in the bucket: {@code uploads/<user>/<upload id>} (a caller's upload, the
 * user percent-encoded as artifact keys encode it) and {@code inputs/<job id>/<param>} (the job's
 * own copy, the param encoded likewise). Caller text never reaches a key unencoded, and an upload id
 * is only ever looked up under the caller's own user, so another user's id names nothing.
 */
final class InputKeys {
    /** Upload ids are ours: random UUIDs in canonical lower-case form. */
    static final Pattern UPLOAD_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    /** A param longer than this (encoded) is named by its digest instead, keeping keys within S3's 1,024 bytes. */
    private static final int MAX_ENCODED_PARAM = 200;

    private InputKeys() {
    }

    static String upload(String userId, String uploadId) {
        if (!UPLOAD_ID.matcher(uploadId).matches()) {
            throw new IllegalArgumentException("not an upload id");
        }
        return "uploads/" + ArtifactKeys.segment(userId) + "/" + uploadId;
    }

    static String input(String jobId, String param) {
        String encoded = ArtifactKeys.segment(param);
        if (encoded.length() > MAX_ENCODED_PARAM) {
            encoded = encoded.substring(0, 100) + "~" + sha256(param);
        }
        return "inputs/" + ArtifactKeys.segment(jobId) + "/" + encoded;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
