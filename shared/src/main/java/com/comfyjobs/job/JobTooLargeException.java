package com.comfyjobs.job;

/**
 * The job would not fit the store's limit on one request (a provider's cap, such as Upstash's 1 MB).
 * Thrown before anything is written, so the caller can refuse the submission as too large instead
 * of meeting the store's error half-way through.
 */
public class JobTooLargeException extends RuntimeException {
    public JobTooLargeException(String message) {
        super(message);
    }
}
