package com.comfyjobs.simulator.nodes;

/** LoadImage's MASK output. */
public record Mask(int width, int height) {
    @Override
    public String toString() {
        return "tensor(..., size=(1, " + height + ", " + width + "))";
    }
}
