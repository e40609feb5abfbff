package com.comfyjobs.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The templates the project ships, as PUT bodies by name: infra/templates of the checkout when the
 * stack runs in one, else the copy in the jar.
 */
final class LocalTemplates {
    private static final String SUFFIX = ".json";

    private LocalTemplates() {
    }

    static Map<String, byte[]> shipped() {
        Path checkout = Path.of("infra", "templates");
        if (Files.isDirectory(checkout)) {
            return read(checkout);
        }
        URL inJar = LocalTemplates.class.getResource("/comfyjobs/templates");
        if (inJar == null) {
            return Map.of();
        }
        try {
            URI uri = inJar.toURI();
            if (!"jar".equals(uri.getScheme())) {
                return read(Path.of(uri));
            }
            try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
                return read(jar.provider().getPath(uri));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, byte[]> read(Path dir) {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).toList()) {
                String name = f.getFileName().toString();
                out.put(name.substring(0, name.length() - SUFFIX.length()), Files.readAllBytes(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
