package com.comfyjobs.query;

/** A list query the service cannot read (a status it does not know, a limit out of range, a foreign cursor). */
public final class InvalidQueryException extends RuntimeException {
    public InvalidQueryException(String detail) {
        super(detail);
    }
}
