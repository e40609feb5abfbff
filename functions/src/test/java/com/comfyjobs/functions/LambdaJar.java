package com.comfyjobs.functions;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The shaded jar Lambda runs (template.yaml's CodeUri), as {@code package} built it, and class listings to check it by. */
final class LambdaJar {
    private LambdaJar() {
    }

    static Path path() {
        String path = System.getProperty("lambda.jar");
        assertNotNull(path, "lambda.jar: failsafe sets it (functions/pom.xml), after package has built the jar");
        Path jar = Path.of(path);
        assertTrue(Files.isRegularFile(jar), jar + " is missing: package builds it");
        return jar;
    }

    /** The module (a jar or a classes directory) that {@code anchor} was loaded from. */
    static Path moduleOf(Class<?> anchor) {
        try {
            return Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The class files in a jar or a classes directory, as jar entry names (com/comfyjobs/job/Job.class). */
    static Set<String> classesIn(Path module) throws IOException {
        if (Files.isDirectory(module)) {
            return classesUnder(module);
        }
        try (FileSystem jar = FileSystems.newFileSystem(module)) {
            return classesUnder(jar.getPath("/"));
        }
    }

    /** Every file in the jar (classes, native libraries, resources), as entry names. */
    static Set<String> entriesIn(Path jar) throws IOException {
        try (FileSystem fs = FileSystems.newFileSystem(jar); Stream<Path> files = Files.walk(fs.getPath("/"))) {
            return files.filter(Files::isRegularFile).map(p -> p.toString().substring(1)).collect(Collectors.toSet());
        }
    }

    private static Set<String> classesUnder(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".class"))
                    .map(p -> root.relativize(p).toString().replace(root.getFileSystem().getSeparator(), "/"))
                    .collect(Collectors.toSet());
        }
    }
}
