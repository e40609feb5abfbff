package com.comfyjobs.job;

import java.time.Instant;
import java.util.Objects;

/**
 * How one try of a claimed delivery went, as its sender reports it: {@code delivered}, {@code failed}
 * (the last try), {@code stopped} (410 Gone), or {@code pending} again with the time of its next try.
 * {@code attempts} counts the tries including this one.
 */
public record CallbackAttempt(String jobId, String deliveryId, String owner, CallbackStatus outcome, int attempts, String error,
                              Instant nextDue) {
    public CallbackAttempt {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(deliveryId, "deliveryId");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(outcome, "outcome");
        if (attempts < 1) {
            throw new IllegalArgumentException("an attempt counts itself");
        }
        if ((outcome == CallbackStatus.PENDING) != (nextDue != null)) {
            throw new IllegalArgumentException("a delivery tried again has the time of its next try, and only that one");
        }
    }
}
