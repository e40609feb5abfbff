package com.comfyjobs.job;

import java.util.Objects;

/**
 * A job to admit: the job in its initial state, its workflow, the caller's cap on live jobs and an
 * optional idempotency claim.
 */
public record NewJob(Job job, Workflow workflow, int maxActiveJobs, IdempotencyClaim idempotency) {
    public NewJob {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(workflow, "workflow");
        if (job.status() != JobStatus.QUEUED) {
            throw new IllegalArgumentException("a new job starts queued");
        }
        if (maxActiveJobs < 1) {
            throw new IllegalArgumentException("maxActiveJobs must be at least 1");
        }
    }
}
