package com.comfyjobs.job;

/**
 * The outcome of {@link JobStore#create}. Only {@link Outcome#CREATED} stored anything new.
 */
public record CreateResult(Outcome outcome, Job job, IdempotencyRecord previous, long activeJobs) {

    public enum Outcome {
        CREATED,
        /** A job with this id exists already. */
        ID_EXISTS,
        /** The user has {@code activeJobs} live jobs, at or above the cap. */
        ACTIVE_LIMIT,
        /** The key was used before with the same payload: {@code previous} names that request's job. */
        IDEMPOTENT_REPLAY,
        /** The key was used before with a different payload. */
        IDEMPOTENCY_MISMATCH
    }

    public static CreateResult created(Job job) {
        return new CreateResult(Outcome.CREATED, job, null, 0);
    }

    public static CreateResult idExists() {
        return new CreateResult(Outcome.ID_EXISTS, null, null, 0);
    }

    public static CreateResult activeLimit(long active) {
        return new CreateResult(Outcome.ACTIVE_LIMIT, null, null, active);
    }

    public static CreateResult replay(IdempotencyRecord previous) {
        return new CreateResult(Outcome.IDEMPOTENT_REPLAY, null, previous, 0);
    }

    public static CreateResult mismatch(IdempotencyRecord previous) {
        return new CreateResult(Outcome.IDEMPOTENCY_MISMATCH, null, previous, 0);
    }
}
