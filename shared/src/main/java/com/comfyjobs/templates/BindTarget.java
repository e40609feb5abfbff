package com.comfyjobs.templates;

import java.util.Optional;

/** A graph input a param fills, written {@code "<node id>.inputs.<input>"}. */
public record BindTarget(String nodeId, String input) {
    private static final String SEPARATOR = ".inputs.";

    /** The target {@code text} names, or empty when it is not of the form above. */
    public static Optional<BindTarget> parse(String text) {
        int at = text.indexOf(SEPARATOR);
        if (at <= 0 || at + SEPARATOR.length() >= text.length()) {
            return Optional.empty();
        }
        return Optional.of(new BindTarget(text.substring(0, at), text.substring(at + SEPARATOR.length())));
    }

    @Override
    public String toString() {
        return nodeId + SEPARATOR + input;
    }
}
