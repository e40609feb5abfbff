package com.comfyjobs.usage;

/** A caller who is not an admin asked for another user's usage. */
public final class UsageForbiddenException extends RuntimeException {
    public UsageForbiddenException(String detail) {
        super(detail);
    }
}
