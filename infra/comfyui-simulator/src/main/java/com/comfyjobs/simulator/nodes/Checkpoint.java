package com.comfyjobs.simulator.nodes;

/**
 * One of the three objects CheckpointLoaderSimple returns (MODEL, CLIP or VAE) for a checkpoint file.
 * Its string form is what Python's str() shows for such an object in execution_error's current_inputs.
 */
public record Checkpoint(String type, String fileName) {
    @Override
    public String toString() {
        String pythonClass = switch (type) {
            case "MODEL" -> "comfy.model_patcher.ModelPatcher";
            case "CLIP" -> "comfy.sd.CLIP";
            default -> "comfy.sd.VAE";
        };
        long address = 0x7f0000000000L + (Integer.toUnsignedLong((type + fileName).hashCode()) << 4);
        return "<" + pythonClass + " object at 0x" + Long.toHexString(address) + ">";
    }
}
