package com.comfyjobs.job;

/**
 * Stored job data that this code cannot read (an unknown status, a broken field). Never answered
 * with a guess: the job is reported as corrupt so a person looks at it.
 */
public class StoredDataException extends RuntimeException {
    public StoredDataException(String message) {
        super(message);
    }

    public StoredDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
