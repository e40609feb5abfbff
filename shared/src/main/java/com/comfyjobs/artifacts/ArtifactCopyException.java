package com.comfyjobs.artifacts;

/** Copying an output to S3 failed (S3 or the source broke off); the job stays finalizing. */
public class ArtifactCopyException extends Exception {
    public ArtifactCopyException(String message, Throwable cause) {
        super(message, cause);
    }
}
