package com.comfyjobs.job;

import java.time.Instant;
import java.util.Objects;

/**
 * One callback waiting to be made: its Standard Webhooks id (the same on every try of it), the event
 * and when it happened, when it is due (now, a retry's time, or a progress held back to one a
 * second), and how its tries so far went.
 */
public record CallbackDelivery(String id, String event, Instant at, Instant due, int attempts, String lastError) {
    public CallbackDelivery {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(due, "due");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts cannot be negative");
        }
    }

    /** The webhook-id of the {@code n}th delivery a job enqueues: the job and the count make it unique, and a replay writes the same. */
    public static String idOf(String jobId, int n) {
        return "msg_" + jobId + "_" + n;
    }
}
