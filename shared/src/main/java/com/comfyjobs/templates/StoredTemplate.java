package com.comfyjobs.templates;

import java.util.Objects;

/** One version of a template as the store keeps it: its body's canonical JSON. */
public record StoredTemplate(String name, int version, String body) {
    public StoredTemplate {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(body, "body");
        if (version < 1) {
            throw new IllegalArgumentException("versions start at 1, was " + version);
        }
    }
}
