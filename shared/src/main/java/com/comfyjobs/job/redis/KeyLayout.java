package com.comfyjobs.job.redis;

import com.comfyjobs.config.ConfigException;
import java.time.Instant;

/**
 * How keys are named, recorded in Redis ({@code P:{meta}:layout}) so that code never reads data laid
 * out in a way it does not know. {@link #RAW} is layout 1 (caller text in keys as it came),
 * {@link #ENCODED} layout 2 (see {@link RedisKeys#encode}). Between the two, while a migration runs,
 * the marker reads {@code 1>2:<ms since>}: new writes use layout 2 and reads fall back to layout 1.
 */
enum KeyLayout {
    RAW("1"),
    ENCODED("2");

    static final KeyLayout CURRENT = ENCODED;

    private final String marker;

    KeyLayout(String marker) {
        this.marker = marker;
    }

    String marker() {
        return marker;
    }

    /** What a layout marker says: the layout writes use, and when a migration to it began (null: none runs). */
    record State(KeyLayout writes, Instant migratingSince, String marker) {
        boolean migrating() {
            return migratingSince != null;
        }

        static State of(KeyLayout layout) {
            return new State(layout, null, layout.marker());
        }

        static State migratingSince(Instant since) {
            return new State(ENCODED, since, RAW.marker() + ">" + ENCODED.marker() + ":" + since.toEpochMilli());
        }

        static State parse(String marker, String keyPrefix) {
            if (RAW.marker.equals(marker)) {
                return of(RAW);
            }
            if (ENCODED.marker.equals(marker)) {
                return of(ENCODED);
            }
            String migrating = RAW.marker() + ">" + ENCODED.marker() + ":";
            if (marker != null && marker.startsWith(migrating)) {
                try {
                    return migratingSince(Instant.ofEpochMilli(Long.parseLong(marker.substring(migrating.length()))));
                } catch (NumberFormatException e) {
                    // falls through to the refusal below
                }
            }
            throw new ConfigException("the jobs in this Redis (key prefix '" + keyPrefix + "') are laid out as '" + marker
                    + "', which this version does not know (it reads layouts 1 and 2): deploy the version that wrote them or a newer one");
        }
    }
}
