package com.comfyjobs.comfyui;

import com.fasterxml.jackson.databind.JsonNode;

/** What POST /prompt did: queued it, refused the workflow (with ComfyUI's reasons), or no answer. */
public sealed interface PromptSubmitResult permits PromptSubmitResult.Accepted, PromptSubmitResult.Rejected, PromptSubmitResult.Unavailable {

    /** Queued; {@code nodeErrors} can be non-empty (invalid outputs dropped, the valid ones run). */
    record Accepted(String promptId, long number, JsonNode nodeErrors) implements PromptSubmitResult {
    }

    /** HTTP 400: {@code error} is ComfyUI's error object ({type, message, details, extra_info}). */
    record Rejected(JsonNode error, JsonNode nodeErrors) implements PromptSubmitResult {
        public String type() {
            return error.path("type").asText("invalid_prompt");
        }

        public String message() {
            return error.isTextual() ? error.asText() : error.path("message").asText("ComfyUI rejected the workflow");
        }
    }

    /**
     * No usable answer. {@code maybeReceived} is false only when the request surely never reached
     * ComfyUI (the connection was refused or could not be made); otherwise ComfyUI may have queued the
     * prompt and the answer was lost (a timeout, a reset, a 5xx from a proxy).
     */
    record Unavailable(String reason, boolean maybeReceived) implements PromptSubmitResult {
    }
}
