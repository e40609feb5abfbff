package com.comfyjobs.job;

import java.util.Objects;

/**
 * Why a job failed. {@code type} is machine-readable (for example {@code execution_error},
 * {@code comfyui_rejected}, {@code max_attempts}); {@code detailsJson} keeps what ComfyUI said as JSON
 * text (its error object and node_errors, or its exception type) so callers can show it.
 */
public record JobError(String type, String message, String nodeId, String nodeType, String detailsJson) {
    /** The job reported more output files than MAX_OUTPUTS_PER_JOB; transition.lua writes the same error. */
    public static final String TOO_MANY_OUTPUTS = "too_many_outputs";

    public JobError {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(message, "message");
    }

    public static JobError of(String type, String message) {
        return new JobError(type, message, null, null, null);
    }

    /** The longest message a job keeps; ComfyUI's exception messages can be as long as what a node printed. */
    public static final int MAX_MESSAGE_CHARS = 4096;

    public static JobError tooManyOutputs(int max) {
        return of(TOO_MANY_OUTPUTS, "ComfyUI reported more than " + max + " output files for this job (or a list of them over "
                + JobOutput.LIST_MAX_BYTES / 1024 + " KiB); the limit is MAX_OUTPUTS_PER_JOB");
    }

    /** {@code message}, cut to {@link #MAX_MESSAGE_CHARS} with a mark where it was cut. */
    public static String bounded(String message) {
        return message.length() <= MAX_MESSAGE_CHARS ? message : message.substring(0, MAX_MESSAGE_CHARS - 15) + " ... (truncated)";
    }
}
