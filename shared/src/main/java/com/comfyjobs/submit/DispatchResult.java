package com.comfyjobs.submit;

import com.comfyjobs.job.Job;

/** What an attempt to hand a queued job to ComfyUI came to. */
public record DispatchResult(Outcome outcome, Job job, String reason) {
    public enum Outcome {
        /** ComfyUI accepted the prompt now. */
        SUBMITTED,
        /** ComfyUI had the prompt already (an earlier submission got through): not sent again. */
        ALREADY_THERE,
        /** ComfyUI refused the workflow: the job failed with ComfyUI's reasons. */
        REJECTED,
        /** No ComfyUI server answered: the job stays queued for recovery. */
        DEFERRED,
        /** Another worker owns the job's dispatch, or the job moved on. */
        SKIPPED,
        /** The job has used up its attempts and failed. */
        GAVE_UP,
        /** Its cancel was asked and its prompt is not on ComfyUI: canceled instead of sent. */
        CANCELED
    }
}
