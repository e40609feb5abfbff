package com.comfyjobs.auth;

/** A token that does not prove who calls: the connection is refused. The message says why, never the token. */
public final class TokenRefusedException extends RuntimeException {
    public TokenRefusedException(String reason) {
        super(reason);
    }
}
