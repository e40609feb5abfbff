package com.comfyjobs.submit;

import java.time.Duration;
import java.util.Objects;

/**
 * A submission the service refuses, before anything is stored (or, for a key, with nothing new
 * stored): why, in words for the caller, and when trying again may work.
 */
public final class SubmissionRefusedException extends RuntimeException {
    public enum Reason {
        /** The body is not a submission: not JSON, wrong fields, a malformed workflow or key. */
        MALFORMED,
        /** The body, or the job as it would be stored, is larger than allowed. */
        TOO_LARGE,
        /** The caller has as many live jobs as allowed. */
        TOO_MANY_ACTIVE_JOBS,
        /** The Idempotency-Key was used before with another body. */
        KEY_REUSED,
        /** The first request with this key is still writing its job. */
        KEY_IN_FLIGHT,
        /** The job this key created is no longer kept, and is never made again. */
        KEY_JOB_GONE,
        /** RAW_WORKFLOWS does not let this caller submit a workflow of its own. */
        RAW_WORKFLOW_FORBIDDEN,
        /** The workflow names a file it may not read: an input that loads a file holds anything but an image this job uploads. */
        FILE_INPUT_NOT_ALLOWED,
        /** An input image is malformed, unknown, too large, not an image, or its URL is refused or failed. */
        IMAGE_REFUSED,
        /** Input images cannot be stored now (the bucket is unreachable); nothing was stored. */
        IMAGE_STORAGE_UNAVAILABLE,
        /** The webhook is malformed, names an event callbacks do not carry, or its URL breaks the URL rules. */
        WEBHOOK_REFUSED
    }

    private final Reason reason;
    private final Duration retryAfter;

    public SubmissionRefusedException(Reason reason, String detail) {
        this(reason, detail, null);
    }

    public SubmissionRefusedException(Reason reason, String detail, Duration retryAfter) {
        super(detail);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.retryAfter = retryAfter;
    }

    public Reason reason() {
        return reason;
    }

    /** When asking again may succeed; null when it will not by waiting. */
    public Duration retryAfter() {
        return retryAfter;
    }

    static SubmissionRefusedException malformed(String detail) {
        return new SubmissionRefusedException(Reason.MALFORMED, detail);
    }

    public static SubmissionRefusedException imageRefused(String detail) {
        return new SubmissionRefusedException(Reason.IMAGE_REFUSED, detail);
    }
}
