package com.comfyjobs.job;

/**
 * The state store cannot be reached, did not answer in time, or answered that it is in a passing
 * state (loading its data, failing over, busy with a script). Retrying shortly may succeed, so HTTP
 * handlers map it to 503 with Retry-After. Any other error answer is a
 * {@link StateStoreErrorException}. The cause is kept for logs only.
 */
public class StateStoreUnavailableException extends RuntimeException {
    public StateStoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
