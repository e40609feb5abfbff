package com.comfyjobs.artifacts;

/** S3 did not do what was asked (unreachable, or it refused); nothing about the request is wrong. */
public final class ArtifactStoreUnavailableException extends RuntimeException {
    public ArtifactStoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
