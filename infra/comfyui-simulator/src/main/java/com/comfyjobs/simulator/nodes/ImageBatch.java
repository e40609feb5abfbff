package com.comfyjobs.simulator.nodes;

/**
 * An IMAGE batch. Its pixels are a pure function of {@code seed} (null: the flat grey a decoded empty
 * latent gives), so the same seed always saves byte-identical files.
 */
public record ImageBatch(int width, int height, int batch, Long seed) {
    @Override
    public String toString() {
        return "tensor(..., size=(" + batch + ", " + height + ", " + width + ", 3))";
    }
}
