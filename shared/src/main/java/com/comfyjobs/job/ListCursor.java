package com.comfyjobs.job;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The opaque list cursor: the creation time and id of the last job a page covered, base64url. Ties
 * on the time are broken by id, in the order Redis keeps equal scores (reverse lexicographic).
 * Both stores issue and read the same cursors.
 */
public final class ListCursor {
    private ListCursor() {
    }

    public record Position(long score, String id) {
        /** True when an entry comes after this position in newest-first order. */
        public boolean isBefore(long otherScore, String otherId) {
            return otherScore < score || (otherScore == score && otherId.compareTo(id) < 0);
        }
    }

    public static String encode(Position p) {
        String raw = "v1:" + p.score() + ":" + p.id();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    public static Position decode(String cursor) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            String[] parts = raw.split(":", 3);
            if (parts.length != 3 || !"v1".equals(parts[0]) || parts[2].isEmpty()) {
                throw new InvalidCursorException("cursor is not one this API issued");
            }
            long score = Long.parseLong(parts[1]);
            if (score < 0) {
                throw new InvalidCursorException("cursor is not one this API issued");
            }
            return new Position(score, parts[2]);
        } catch (IllegalArgumentException e) {
            if (e instanceof InvalidCursorException) {
                throw e;
            }
            throw new InvalidCursorException("cursor is not one this API issued");
        }
    }
}
