package com.comfyjobs.simulator.nodes;

/** comfy.model_management.InterruptProcessingException: POST /interrupt reached a running node. */
public final class ProcessingInterrupted extends Exception {
    private static final long serialVersionUID = 1L;

    public ProcessingInterrupted() {
        super("Processing interrupted", null, false, false);
    }
}
