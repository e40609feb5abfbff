package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import java.util.List;
import java.util.Map;

/** VAEEncode: an image becomes a latent an eighth of its size that keeps its content (img2img). */
public final class VaeEncodeNode implements NodeFunction {

    public static NodeDefinition definition() {
        return new NodeDefinition("VAEEncode", "VAE Encode", "latent", "", "encode",
                List.of(InputSpec.required("pixels", "IMAGE").typeOnly(), InputSpec.required("vae", "VAE").typeOnly()),
                Map.of(),
                List.of("LATENT"),
                List.of(),
                false, null, null, new VaeEncodeNode());
    }

    @Override
    public NodeResult run(NodeRun run) throws PyException {
        ImageBatch image = (ImageBatch) run.input("pixels");
        run.work();
        return NodeResult.of(new Latent(image.width() / 8, image.height() / 8, image.batch(), image.contentSeed()));
    }
}
