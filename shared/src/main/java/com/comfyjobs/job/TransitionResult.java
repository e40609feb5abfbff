package com.comfyjobs.job;

/**
 * The outcome of a transition, the status before and after it and the attempt, plus the whole job
 * after the change when the transition asked for it or a push to live listeners needs it (it costs
 * no extra round trip).
 *
 * <p>{@code listening}: the job's live listeners and what the push throttle allows (WebSocket
 * pushes); {@link Listening#NONE} when nobody listens or the transition was not applied.
 */
public record TransitionResult(TransitionOutcome outcome, JobStatus previousStatus, JobStatus status, int attempt, Job job,
                               Listening listening) {

    public TransitionResult {
        listening = listening == null ? Listening.NONE : listening;
    }

    public TransitionResult(TransitionOutcome outcome, JobStatus previousStatus, JobStatus status, int attempt, Job job) {
        this(outcome, previousStatus, status, attempt, job, Listening.NONE);
    }

    public static TransitionResult notFound() {
        return new TransitionResult(TransitionOutcome.NOT_FOUND, null, null, 0, null);
    }

    public boolean applied() {
        return outcome == TransitionOutcome.APPLIED;
    }

    /** True when this very transition moved the job into a terminal state. */
    public boolean becameTerminal() {
        return applied() && status != null && status.isTerminal() && previousStatus != null && !previousStatus.isTerminal();
    }

    public boolean statusChanged() {
        return applied() && status != previousStatus;
    }
}
