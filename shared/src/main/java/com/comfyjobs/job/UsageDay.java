package com.comfyjobs.job;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * One user's usage on one UTC day, kept with the job data: jobs submitted that day, jobs that ended that
 * day by how they ended, and the GPU time of the jobs that ended that day ({@link Job#gpuMillis()}: all
 * their attempts, whenever those ran). Each job is counted once when admitted and once when it ends.
 */
public record UsageDay(LocalDate date, long submitted, long succeeded, long failed, long canceled, long expired, long gpuMillis) {
    /** How long a day's counters are kept after their last change. */
    public static final Duration RETENTION = Duration.ofDays(400);

    public static UsageDay empty(LocalDate date) {
        return new UsageDay(date, 0, 0, 0, 0, 0, 0);
    }

    /** The UTC day an instant falls on: the day usage is counted on. */
    public static LocalDate dayOf(Instant at) {
        return LocalDate.ofInstant(at, ZoneOffset.UTC);
    }

    public UsageDay plusSubmitted() {
        return new UsageDay(date, submitted + 1, succeeded, failed, canceled, expired, gpuMillis);
    }

    /** This day with one more job ended in {@code status} after {@code gpu} ms of GPU time. */
    public UsageDay plusEnded(JobStatus status, long gpu) {
        return switch (status) {
            case SUCCEEDED -> new UsageDay(date, submitted, succeeded + 1, failed, canceled, expired, gpuMillis + gpu);
            case FAILED -> new UsageDay(date, submitted, succeeded, failed + 1, canceled, expired, gpuMillis + gpu);
            case CANCELED -> new UsageDay(date, submitted, succeeded, failed, canceled + 1, expired, gpuMillis + gpu);
            case EXPIRED -> new UsageDay(date, submitted, succeeded, failed, canceled, expired + 1, gpuMillis + gpu);
            default -> throw new IllegalArgumentException("a job ends in a terminal status, not " + status);
        };
    }

    public UsageDay plus(UsageDay other) {
        return new UsageDay(date, submitted + other.submitted, succeeded + other.succeeded, failed + other.failed,
                canceled + other.canceled, expired + other.expired, gpuMillis + other.gpuMillis);
    }
}
