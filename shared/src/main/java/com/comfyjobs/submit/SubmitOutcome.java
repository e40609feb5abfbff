package com.comfyjobs.submit;

import com.comfyjobs.job.Job;

/**
 * A submission's answer: accepted (202, also when ComfyUI was unreachable and the job waits for
 * recovery) or rejected by ComfyUI (422, the job recorded as failed with ComfyUI's reasons).
 * {@code replayed} marks the answer to a repeated Idempotency-Key.
 */
public record SubmitOutcome(boolean accepted, Job job, boolean replayed) {
    public static SubmitOutcome accepted(Job job, boolean replayed) {
        return new SubmitOutcome(true, job, replayed);
    }

    public static SubmitOutcome rejected(Job job, boolean replayed) {
        return new SubmitOutcome(false, job, replayed);
    }
}
