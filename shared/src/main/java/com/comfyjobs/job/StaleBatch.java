package com.comfyjobs.job;

import java.util.List;
import java.util.Objects;

/**
 * One batch of a shard's stale jobs, oldest heartbeat first, and where the next batch starts. Jobs
 * whose stored data cannot be read are listed apart, so one bad record never hides the others.
 *
 * @param next null when the batch reached the end of the stale range
 */
public record StaleBatch(List<Job> jobs, List<Unreadable> unreadable, Position next) {

    /** A place in the shard's stale range: after the job with this heartbeat and id. */
    public record Position(long heartbeatMillis, String jobId) {
        public Position {
            Objects.requireNonNull(jobId, "jobId");
        }

        /** True when (heartbeat, id) comes after this position in the range's order. */
        public boolean isBefore(long heartbeat, String id) {
            return heartbeat > heartbeatMillis || (heartbeat == heartbeatMillis && id.compareTo(jobId) > 0);
        }
    }

    /** A stale job whose record this code cannot read, and why. */
    public record Unreadable(String jobId, String reason) {
    }

    public StaleBatch {
        jobs = List.copyOf(jobs);
        unreadable = List.copyOf(unreadable);
    }
}
