package com.comfyjobs.simulator.engine;

/**
 * How one queued prompt left ComfyUI. Tests ask for it to tell GPU work that ran to its end from
 * work that was stopped (interrupted while running, or removed while pending).
 */
public enum PromptFate {
    /** Ran every node: execution_success. */
    COMPLETED,
    /** A node raised: execution_error. */
    FAILED,
    /** Stopped while running by POST /interrupt. */
    INTERRUPTED,
    /** Taken out of the pending queue by POST /queue (delete or clear) before it started. */
    REMOVED,
    /** Pending or running when the server restarted. */
    LOST
}
