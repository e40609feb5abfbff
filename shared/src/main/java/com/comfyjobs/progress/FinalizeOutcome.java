package com.comfyjobs.progress;

/** How one try to copy a finalizing job's outputs ended. */
public enum FinalizeOutcome {
    SUCCEEDED,
    /** Not finished this time (budget, S3 or ComfyUI); the job stays finalizing. */
    INCOMPLETE,
    /** An output ComfyUI listed can never be fetched: the job failed. */
    FAILED,
    /** ComfyUI no longer has the prompt's history, so which outputs it made is unknown; the job stays finalizing. */
    OUTPUTS_FORGOTTEN,
    /** Another finalizer holds the job, or it is no longer finalizing. */
    SKIPPED
}
