package com.comfyjobs.submit;

import com.comfyjobs.job.Job;

/**
 * A submission's answer: the job was accepted (also when ComfyUI was unreachable and the job waits
 * for recovery), or ComfyUI rejected its workflow (the job is recorded as failed with ComfyUI's
 * reasons). {@code replayed} marks the answer to a repeated Idempotency-Key.
 */
public record SubmitResult(Outcome outcome, Job job, boolean replayed) {
    public enum Outcome {
        ACCEPTED,
        REJECTED
    }

    public static SubmitResult accepted(Job job, boolean replayed) {
        return new SubmitResult(Outcome.ACCEPTED, job, replayed);
    }

    public static SubmitResult rejected(Job job, boolean replayed) {
        return new SubmitResult(Outcome.REJECTED, job, replayed);
    }
}
