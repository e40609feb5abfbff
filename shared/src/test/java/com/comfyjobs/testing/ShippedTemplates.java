package com.comfyjobs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The templates the project ships in infra/templates, read from the checkout the tests run in. */
public final class ShippedTemplates {
    private ShippedTemplates() {
    }

    /** The PUT body of {@code infra/templates/<name>.json}. */
    public static String body(String name) {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("infra/templates"))) {
            dir = dir.getParent();
        }
        try {
            return Files.readString(dir.resolve("infra/templates/" + name + ".json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
