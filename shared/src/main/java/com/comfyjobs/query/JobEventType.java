package com.comfyjobs.query;

import com.comfyjobs.job.JobStatus;
import java.util.Arrays;
import java.util.Optional;

/**
 * What happened to a job, as callers hear of it in callbacks and WebSocket messages:
 * {@code job.queued}, {@code job.running}, {@code job.progress} and the four terminal events. A job
 * that is finalizing is still {@code job.running} to a caller.
 */
public enum JobEventType {
    QUEUED("job.queued"),
    RUNNING("job.running"),
    PROGRESS("job.progress"),
    SUCCEEDED("job.succeeded"),
    FAILED("job.failed"),
    CANCELED("job.canceled"),
    EXPIRED("job.expired");

    private final String wire;

    JobEventType(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELED || this == EXPIRED;
    }

    /** The event a job entering {@code status} causes; empty for finalizing, which callers see as running. */
    public static Optional<JobEventType> ofStatus(JobStatus status) {
        return switch (status) {
            case QUEUED -> Optional.of(QUEUED);
            case RUNNING -> Optional.of(RUNNING);
            case FINALIZING -> Optional.empty();
            case SUCCEEDED -> Optional.of(SUCCEEDED);
            case FAILED -> Optional.of(FAILED);
            case CANCELED -> Optional.of(CANCELED);
            case EXPIRED -> Optional.of(EXPIRED);
        };
    }

    /** The event named {@code wire} ({@code job.succeeded}...); empty for any other text. */
    public static Optional<JobEventType> fromWire(String wire) {
        return Arrays.stream(values()).filter(t -> t.wire.equals(wire)).findFirst();
    }
}
