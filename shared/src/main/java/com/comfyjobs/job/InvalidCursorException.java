package com.comfyjobs.job;

/** A list cursor that this store did not issue; the caller gets a 400. */
public class InvalidCursorException extends IllegalArgumentException {
    public InvalidCursorException(String message) {
        super(message);
    }
}
