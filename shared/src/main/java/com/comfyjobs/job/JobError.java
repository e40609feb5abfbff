package com.comfyjobs.job;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * Why a job failed. {@code type} is machine-readable (for example {@code execution_error},
 * {@code comfyui_rejected}, {@code max_attempts}); {@code details} keeps what ComfyUI said verbatim
 * (its error object and node_errors) so callers can show it.
 */
public record JobError(String type, String message, String nodeId, String nodeType, JsonNode details) {
    public JobError {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(message, "message");
    }

    public static JobError of(String type, String message) {
        return new JobError(type, message, null, null, null);
    }
}
