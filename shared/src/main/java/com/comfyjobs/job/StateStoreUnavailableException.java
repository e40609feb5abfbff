package com.comfyjobs.job;

/**
 * The state store cannot be reached or answered in time. The one exception callers see for any
 * Redis failure; HTTP handlers map it to 503 with Retry-After. The cause is kept for logs only.
 */
public class StateStoreUnavailableException extends RuntimeException {
    public StateStoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
