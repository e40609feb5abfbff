package com.comfyjobs.query;

/** No such job for this caller: an unknown id and another caller's job are one and the same answer. */
public final class JobNotFoundException extends RuntimeException {
    public JobNotFoundException() {
        super("no job with this id");
    }
}
