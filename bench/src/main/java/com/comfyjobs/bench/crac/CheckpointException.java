package com.comfyjobs.bench.crac;

/** A checkpoint some resource refused; each refusal is a suppressed exception, as org.crac reports them. */
public class CheckpointException extends Exception {
    private static final long serialVersionUID = 1L;
}
