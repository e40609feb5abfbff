package com.comfyjobs.callbacks;

/**
 * A stored signing secret that does not open: sealed for another user, or with a key other than the
 * one configured now (CALLBACK_SECRETS_KEY changed), or damaged. Never shown to a caller.
 */
public final class UnreadableSecretException extends RuntimeException {
    UnreadableSecretException(String message) {
        super(message);
    }
}
