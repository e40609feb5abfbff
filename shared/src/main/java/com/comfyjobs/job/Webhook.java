package com.comfyjobs.job;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where a job's callbacks go and which of its events they carry: a URL its caller chose (held to the
 * URL rules at submit and again at every delivery) and the events, by their wire names. A caller who
 * names no events hears how the job ended ({@link #TERMINAL_EVENTS}). The events are kept sorted and
 * once each, so the same subscription is always written the same way.
 */
public record Webhook(String url, List<String> events) {
    public static final String PROGRESS = "job.progress";
    public static final List<String> TERMINAL_EVENTS = List.of("job.canceled", "job.expired", "job.failed", "job.succeeded");
    /** Every event a callback can carry: the four ends of a job and its progress. */
    public static final Set<String> EVENTS = Set.of("job.canceled", "job.expired", "job.failed", "job.succeeded", PROGRESS);

    public Webhook {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(events, "events");
        if (events.isEmpty()) {
            throw new IllegalArgumentException("a webhook carries at least one event");
        }
        for (String e : events) {
            if (!EVENTS.contains(e)) {
                throw new IllegalArgumentException("not a callback event: " + e);
            }
        }
        events = List.copyOf(new TreeSet<>(events));
    }

    /** The event of a job that ended in {@code status}. */
    public static String endedEvent(JobStatus status) {
        if (!status.isTerminal()) {
            throw new IllegalArgumentException(status + " is not an end");
        }
        return "job." + status.wire();
    }

    public boolean wants(String event) {
        return events.contains(event);
    }
}
