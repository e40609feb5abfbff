package com.comfyjobs.query;

/** The job is still queued, running or saving its outputs: its files cannot be deleted yet. */
public final class JobNotEndedException extends RuntimeException {
    public JobNotEndedException(String detail) {
        super(detail);
    }
}
