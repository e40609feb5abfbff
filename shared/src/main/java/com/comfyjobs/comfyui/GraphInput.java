package com.comfyjobs.comfyui;

import java.util.Optional;

/**
 * One input of one node of a workflow, written {@code "<node id>.inputs.<input>"} where a request or
 * a template binds an image to it. The node id ends at the first {@code .inputs.}.
 */
public record GraphInput(String nodeId, String input) {
    private static final String SEPARATOR = ".inputs.";

    public static Optional<GraphInput> parse(String bind) {
        int at = bind.indexOf(SEPARATOR);
        if (at <= 0 || at + SEPARATOR.length() >= bind.length()) {
            return Optional.empty();
        }
        return Optional.of(new GraphInput(bind.substring(0, at), bind.substring(at + SEPARATOR.length())));
    }

    @Override
    public String toString() {
        return nodeId + SEPARATOR + input;
    }
}
