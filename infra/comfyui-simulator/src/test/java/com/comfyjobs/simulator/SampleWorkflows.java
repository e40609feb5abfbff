package com.comfyjobs.simulator;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** ComfyUI's default workflow (the one this module ships under workflows/) and small variations. */
final class SampleWorkflows {
    private SampleWorkflows() {
    }

    static ObjectNode defaultWorkflow() {
        try (InputStream in = SampleWorkflows.class.getResourceAsStream("/workflows/default-txt2img.json")) {
            return (ObjectNode) Json.parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The default workflow at a small size, so tests write small files. */
    static ObjectNode small(long seed, int steps) {
        ObjectNode workflow = defaultWorkflow();
        ObjectNode latent = (ObjectNode) workflow.get("5").get("inputs");
        latent.put("width", 64);
        latent.put("height", 64);
        ObjectNode sampler = (ObjectNode) workflow.get("3").get("inputs");
        sampler.put("seed", seed);
        sampler.put("steps", steps);
        return workflow;
    }

    static ObjectNode request(ObjectNode workflow, String clientId) {
        ObjectNode body = Json.object();
        body.set("prompt", workflow);
        if (clientId != null) {
            body.put("client_id", clientId);
        }
        return body;
    }
}
