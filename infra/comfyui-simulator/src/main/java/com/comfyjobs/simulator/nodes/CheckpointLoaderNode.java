package com.comfyjobs.simulator.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** CheckpointLoaderSimple: "loads" one of the configured checkpoint names. */
public final class CheckpointLoaderNode implements NodeFunction {

    public static NodeDefinition definition(Supplier<List<String>> checkpoints) {
        return new NodeDefinition("CheckpointLoaderSimple", "Load Checkpoint", "loaders",
                "Loads a diffusion model checkpoint, diffusion models are used to denoise latents.",
                "load_checkpoint",
                List.of(InputSpec.requiredCombo("ckpt_name", checkpoints)
                        .with("tooltip", "The name of the checkpoint (model) to load.")),
                Map.of(),
                List.of("MODEL", "CLIP", "VAE"),
                List.of("The model used for denoising latents.",
                        "The CLIP model used for encoding text prompts.",
                        "The VAE model used for encoding and decoding images to and from latent space."),
                false, null, null, new CheckpointLoaderNode());
    }

    @Override
    public NodeResult run(NodeRun run) {
        String name = ((JsonNode) run.input("ckpt_name")).asText();
        run.work();
        return NodeResult.of(new Checkpoint("MODEL", name), new Checkpoint("CLIP", name), new Checkpoint("VAE", name));
    }
}
