package com.comfyjobs.functions.http;

import com.comfyjobs.progress.MalformedWebhookException;
import com.comfyjobs.progress.WebhookRejectedException;
import com.comfyjobs.progress.WebhookTooLargeException;
import com.comfyjobs.query.CancelRefusedException;
import com.comfyjobs.query.InvalidQueryException;
import com.comfyjobs.query.JobNotEndedException;
import com.comfyjobs.query.JobNotFoundException;
import com.comfyjobs.submit.SubmissionRefusedException;
import com.comfyjobs.templates.FieldError;
import com.comfyjobs.templates.TemplateRefusedException;
import com.comfyjobs.usage.UsageForbiddenException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * The one place where the services' refusals become HTTP: each domain error and its status, title
 * and Retry-After. Titles are stable: clients switch on the problem type made from them.
 */
final class Problems {
    private Problems() {
    }

    /** The problem to answer for {@code e}, or empty when it is not a refusal (an outage or a bug). */
    static Optional<ApiProblem> of(RuntimeException e) {
        if (e instanceof ApiProblem p) {
            return Optional.of(p);
        }
        if (e instanceof SubmissionRefusedException r) {
            return Optional.of(submission(r));
        }
        if (e instanceof TemplateRefusedException t) {
            return Optional.of(template(t));
        }
        if (e instanceof JobNotFoundException) {
            return Optional.of(new ApiProblem(404, "Not found", e.getMessage()));
        }
        if (e instanceof InvalidQueryException || e instanceof MalformedWebhookException) {
            return Optional.of(ApiProblem.badRequest(e.getMessage()));
        }
        if (e instanceof UsageForbiddenException) {
            return Optional.of(new ApiProblem(403, "Forbidden", e.getMessage()));
        }
        if (e instanceof CancelRefusedException) {
            return Optional.of(new ApiProblem(409, "Job cannot be canceled", e.getMessage()));
        }
        if (e instanceof JobNotEndedException) {
            return Optional.of(new ApiProblem(409, "Job has not ended", e.getMessage()));
        }

        if (e instanceof WebhookTooLargeException) {
            return Optional.of(new ApiProblem(413, "Payload too large", e.getMessage()));
        }
        if (e instanceof WebhookRejectedException) {
            return Optional.of(new ApiProblem(401, "Invalid webhook signature", e.getMessage()));
        }
        return Optional.empty();
    }

    /** Each thing wrong with a body becomes an entry of the problem's {@code errors}: its pointer and message. */
    private static ApiProblem template(TemplateRefusedException t) {
        ObjectNode ext = null;
        if (!t.errors().isEmpty()) {
            ext = HttpResponses.object();
            ArrayNode errors = ext.putArray("errors");
            for (FieldError f : t.errors()) {
                errors.addObject().put("pointer", f.pointer()).put("message", f.message());
            }
        }
        return switch (t.reason()) {
            case INVALID_TEMPLATE -> new ApiProblem(400, "Invalid template", t.getMessage(), ext, 0);
            case INVALID_NAME -> ApiProblem.badRequest(t.getMessage());
            case INVALID_PARAMS -> new ApiProblem(400, "Invalid params", t.getMessage(), ext, 0);
            case LIMIT_EXCEEDED -> new ApiProblem(400, "Template limit exceeded", t.getMessage(), ext, 0);
            case UNKNOWN_TEMPLATE -> new ApiProblem(400, "Unknown template", t.getMessage(), ext, 0);
            case NOT_FOUND -> new ApiProblem(404, "Not found", t.getMessage(), ext, 0);
            case NOT_ADMIN -> new ApiProblem(403, "Forbidden", t.getMessage(), ext, 0);
            case TOO_LARGE -> new ApiProblem(413, "Payload too large", t.getMessage(), ext, 0);
        };
    }

    private static ApiProblem submission(SubmissionRefusedException r) {
        long retry = r.retryAfter() == null ? 0 : Math.max(1, r.retryAfter().toSeconds());
        return switch (r.reason()) {
            case MALFORMED -> ApiProblem.badRequest(r.getMessage());
            case TOO_LARGE -> new ApiProblem(413, "Payload too large", r.getMessage());
            case TOO_MANY_ACTIVE_JOBS -> new ApiProblem(429, "Too many active jobs", r.getMessage(), null, retry);
            case KEY_REUSED -> new ApiProblem(422, "Idempotency-Key reused", r.getMessage());
            case KEY_IN_FLIGHT -> new ApiProblem(409, "Request in progress", r.getMessage(), null, retry);
            case KEY_JOB_GONE -> new ApiProblem(410, "Job no longer kept", r.getMessage());
            case RAW_WORKFLOW_FORBIDDEN -> new ApiProblem(403, "Raw workflows not allowed", r.getMessage());
            case FILE_INPUT_NOT_ALLOWED -> new ApiProblem(400, "File input not allowed", r.getMessage());
            case IMAGE_REFUSED -> new ApiProblem(400, "Input image refused", r.getMessage());
            case IMAGE_STORAGE_UNAVAILABLE -> new ApiProblem(503, "Service unavailable", r.getMessage(), null, retry);
            case WEBHOOK_REFUSED -> new ApiProblem(400, "Invalid webhook", r.getMessage());
        };
    }
}
