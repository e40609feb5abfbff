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
        KEY_JOB_GONE
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
}
