package com.comfyjobs.job;

/** A submitted workflow does not have the API-format shape; the caller gets a 400. */
public class InvalidWorkflowException extends IllegalArgumentException {
    public InvalidWorkflowException(String message) {
        super(message);
    }
}
