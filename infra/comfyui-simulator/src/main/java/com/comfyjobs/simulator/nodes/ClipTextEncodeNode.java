package com.comfyjobs.simulator.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** CLIPTextEncode: turns prompt text into CONDITIONING. */
public final class ClipTextEncodeNode implements NodeFunction {

    public static NodeDefinition definition() {
        return new NodeDefinition("CLIPTextEncode", "CLIP Text Encode (Prompt)", "conditioning",
                "Encodes a text prompt using a CLIP model into an embedding that can be used to guide the diffusion model towards generating specific images.",
                "encode",
                List.of(InputSpec.required("text", "STRING").with("multiline", true).with("dynamicPrompts", true)
                                .with("tooltip", "The text to be encoded."),
                        InputSpec.required("clip", "CLIP").with("tooltip", "The CLIP model used for encoding the text.")),
                Map.of(),
                List.of("CONDITIONING"),
                List.of("A conditioning containing the embedded text used to guide the diffusion model."),
                false, null, null, new ClipTextEncodeNode());
    }

    @Override
    public NodeResult run(NodeRun run) {
        String text = ((JsonNode) run.input("text")).asText();
        run.work();
        return NodeResult.of(new Conditioning(text));
    }
}
