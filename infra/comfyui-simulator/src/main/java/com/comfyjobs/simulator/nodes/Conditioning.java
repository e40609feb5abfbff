package com.comfyjobs.simulator.nodes;

/** CLIPTextEncode's CONDITIONING: the encoded prompt text. */
public record Conditioning(String text) {
    @Override
    public String toString() {
        return "[[tensor(..., size=(1, 77, 768)), {'pooled_output': tensor(..., size=(1, 768))}]]";
    }
}
