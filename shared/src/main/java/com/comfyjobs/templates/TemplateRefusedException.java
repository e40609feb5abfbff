package com.comfyjobs.templates;

import java.util.List;
import java.util.Objects;

/**
 * A template request the service refuses with nothing changed: why, in words for the caller, and
 * for a body it could read, each thing wrong with it and where ({@link FieldError}).
 */
public final class TemplateRefusedException extends RuntimeException {
    public enum Reason {
        /** A PUT body that is not a valid template. */
        INVALID_TEMPLATE,
        /** A name that is not a template name. */
        INVALID_NAME,
        /** A job's params do not fit the template's. */
        INVALID_PARAMS,
        /** A job's params ask for more than the template's limits allow. */
        LIMIT_EXCEEDED,
        /** A job names a template (or version) that is not published, or was retired. */
        UNKNOWN_TEMPLATE,
        /** GET or DELETE of a template that is not published, or was retired. */
        NOT_FOUND,
        /** Publishing and retiring are for admins. */
        NOT_ADMIN,
        /** The PUT body, or the template as stored, is larger than allowed. */
        TOO_LARGE
    }

    private final Reason reason;
    private final List<FieldError> errors;

    public TemplateRefusedException(Reason reason, String detail) {
        this(reason, detail, List.of());
    }

    public TemplateRefusedException(Reason reason, String detail, List<FieldError> errors) {
        super(detail);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.errors = List.copyOf(errors);
    }

    public Reason reason() {
        return reason;
    }

    /** What is wrong and where; empty when the detail says it all. */
    public List<FieldError> errors() {
        return errors;
    }
}
