package com.comfyjobs.job;

/** The sampler step of the node that runs now, as ComfyUI reports it in progress events. */
public record Step(int value, int max) {
    public Step {
        if (value < 0 || max < 0) {
            throw new IllegalArgumentException("step values must not be negative");
        }
    }
}
