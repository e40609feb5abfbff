package com.comfyjobs.usage;

import com.comfyjobs.query.InvalidQueryException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;

/**
 * The UTC days a usage query covers, {@code from} to {@code to} inclusive, as GET /usage's
 * {@code from} and {@code to} give them ({@code YYYY-MM-DD}). Either may be left out: {@code to}
 * defaults to today, {@code from} to {@link #DEFAULT_DAYS} days ending with {@code to}. At most
 * {@link #MAX_DAYS} days, so one query reads a bounded number of counters.
 */
public record UsageRange(LocalDate from, LocalDate to) {
    public static final int DEFAULT_DAYS = 30;
    public static final int MAX_DAYS = 92;
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

    public UsageRange {
        if (from.isAfter(to)) {
            throw new InvalidQueryException("from (" + from + ") is after to (" + to + ")");
        }
        if (days(from, to) > MAX_DAYS) {
            throw new InvalidQueryException("from " + from + " to " + to + " is " + days(from, to) + " days; at most " + MAX_DAYS
                    + " days per query");
        }
    }

    /** The range of the query's text; null or empty parameters take their defaults relative to {@code today}. */
    public static UsageRange parse(String from, String to, LocalDate today) {
        LocalDate end = blank(to) ? today : date("to", to);
        LocalDate start = blank(from) ? end.minusDays(DEFAULT_DAYS - 1L) : date("from", from);
        return new UsageRange(start, end);
    }

    public long days() {
        return days(from, to);
    }

    private static long days(LocalDate from, LocalDate to) {
        return ChronoUnit.DAYS.between(from, to) + 1;
    }

    private static boolean blank(String s) {
        return s == null || s.isEmpty();
    }

    private static LocalDate date(String name, String text) {
        if (!DATE.matcher(text).matches()) {
            throw new InvalidQueryException(name + " must be a date YYYY-MM-DD (UTC)");
        }
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw new InvalidQueryException(name + " is not a calendar date: " + text);
        }
    }
}
