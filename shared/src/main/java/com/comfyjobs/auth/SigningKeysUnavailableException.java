package com.comfyjobs.auth;

/** The issuer's signing keys cannot be read now (its discovery document or JWKS is out of reach): an outage, not a refusal. */
public final class SigningKeysUnavailableException extends RuntimeException {
    public SigningKeysUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
