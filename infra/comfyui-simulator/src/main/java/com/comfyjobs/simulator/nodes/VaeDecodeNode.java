package com.comfyjobs.simulator.nodes;

import java.util.List;
import java.util.Map;

/** VAEDecode: a latent becomes an image eight times its size. */
public final class VaeDecodeNode implements NodeFunction {

    public static NodeDefinition definition() {
        return new NodeDefinition("VAEDecode", "VAE Decode", "latent",
                "Decodes latent images back into pixel space images.",
                "decode",
                List.of(InputSpec.required("samples", "LATENT").with("tooltip", "The latent to be decoded."),
                        InputSpec.required("vae", "VAE").with("tooltip", "The VAE model used for decoding the latent.")),
                Map.of(),
                List.of("IMAGE"),
                List.of("The decoded image."),
                false, null, null, new VaeDecodeNode());
    }

    @Override
    public NodeResult run(NodeRun run) {
        Latent latent = (Latent) run.input("samples");
        run.work();
        return NodeResult.of(ImageBatch.rendered(latent.width() * 8, latent.height() * 8, latent.batch(), latent.seed()));
    }
}
