package com.comfyjobs.job;

/**
 * The state store answered, with an error that waiting will not cure: out of memory, a script that
 * failed, a key of the wrong type, a request over the provider's limits. Unlike
 * {@link StateStoreUnavailableException} it is not an outage to ride out but a fault for a person to
 * look at; HTTP handlers answer a generic 500 and count it. The message carries the store's error
 * text, for logs only.
 */
public class StateStoreErrorException extends RuntimeException {
    public StateStoreErrorException(String message, Throwable cause) {
        super(message, cause);
    }
}
