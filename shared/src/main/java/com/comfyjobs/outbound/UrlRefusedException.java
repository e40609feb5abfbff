package com.comfyjobs.outbound;

/**
 * A caller's URL that is not requested, or whose request failed, in words the caller may read: the
 * rule it broke or what went wrong, never an address it resolved to, a stack trace or a library's
 * message (which can carry both).
 */
public final class UrlRefusedException extends RuntimeException {
    public UrlRefusedException(String message) {
        super(message);
    }
}
