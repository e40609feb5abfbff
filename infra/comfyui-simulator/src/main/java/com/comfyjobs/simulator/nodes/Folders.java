package com.comfyjobs.simulator.nodes;

import java.nio.file.Path;
import java.util.Optional;

/** ComfyUI's three file areas: output (SaveImage), input (uploads, LoadImage) and temp (PreviewImage). */
public record Folders(Path output, Path input, Path temp) {

    /** folder_paths.get_directory_by_type. */
    public Optional<Path> byType(String type) {
        return switch (type) {
            case "output" -> Optional.of(output);
            case "input" -> Optional.of(input);
            case "temp" -> Optional.of(temp);
            default -> Optional.empty();
        };
    }

    /**
     * folder_paths.annotated_filepath: "name [output]", "name [input]" and "name [temp]" pick the area;
     * a plain name returns {@code defaultDir}.
     */
    public Annotated annotated(String name, Path defaultDir) {
        if (name.endsWith("[output]")) {
            return new Annotated(name.substring(0, Math.max(0, name.length() - 9)), output);
        }
        if (name.endsWith("[input]")) {
            return new Annotated(name.substring(0, Math.max(0, name.length() - 8)), input);
        }
        if (name.endsWith("[temp]")) {
            return new Annotated(name.substring(0, Math.max(0, name.length() - 7)), temp);
        }
        return new Annotated(name, defaultDir);
    }

    /** folder_paths.get_annotated_filepath(name): a LoadImage name's file, the input area unless annotated. */
    public Path inputFile(String name) {
        Annotated annotated = annotated(name, input);
        return PyPaths.resolve(annotated.dir(), annotated.name());
    }

    /** A file name with the area its annotation chose (null: no annotation and no default). */
    public record Annotated(String name, Path dir) {
    }
}
