package com.comfyjobs.simulator.nodes;

/**
 * A LATENT batch, in latent pixels (an eighth of the image size). {@code seed} is null for the empty
 * latent EmptyLatentImage makes; a sampler or an encoded image gives it content.
 */
public record Latent(int width, int height, int batch, Long seed) {
    @Override
    public String toString() {
        return "{'samples': tensor(..., size=(" + batch + ", 4, " + height + ", " + width + "))}";
    }
}
