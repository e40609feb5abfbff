package com.comfyjobs.job.sqlite;

import com.comfyjobs.job.StoredDataException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Instants as the file keeps them: ISO-8601 text in UTC with exactly three fraction digits
 * ({@code 2026-12-01T09:30:00.000Z}). Readable with the sqlite3 shell, and of one width, so text order
 * is time order: the indexes on heartbeat, creation and finish times and every expiry comparison rely
 * on that ({@link Instant#toString()} drops zero fractions and would sort {@code :00Z} after {@code :00.5Z}).
 * Milliseconds, as the Redis store keeps them, so both stores answer the same instants.
 */
public final class IsoMillis {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private IsoMillis() {
    }

    public static String format(Instant t) {
        return t == null ? null : FORMAT.format(t);
    }

    public static Instant parse(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.from(FORMAT.parse(text));
        } catch (DateTimeParseException e) {
            throw new StoredDataException("stored time is not ISO-8601 with milliseconds: '" + text + "'", e);
        }
    }

    /** {@code t} cut to what the file keeps of it. */
    static Instant truncate(Instant t) {
        return t == null ? null : Instant.ofEpochMilli(t.toEpochMilli());
    }
}
