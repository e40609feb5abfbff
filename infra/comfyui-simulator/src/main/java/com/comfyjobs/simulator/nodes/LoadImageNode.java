package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * LoadImage: an image from the input area (where /upload/image puts files), with its pixels, and its
 * alpha as a mask ({@code 1 - alpha}; 64x64 zeros for an image without alpha, as in ComfyUI). The
 * file's hash is its IS_CHANGED fingerprint.
 */
public final class LoadImageNode implements NodeFunction, InputValidation, ChangeDetector {
    private static final Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "jpe", "gif", "webp", "bmp",
            "tif", "tiff", "ico", "svg", "avif", "heic", "heif", "jxl", "apng");

    private final Folders folders;

    private LoadImageNode(Folders folders) {
        this.folders = folders;
    }

    public static NodeDefinition definition(Folders folders) {
        LoadImageNode node = new LoadImageNode(folders);
        return new NodeDefinition("LoadImage", "Load Image", "image", "", "load_image",
                List.of(InputSpec.requiredCombo("image", node::inputImages).with("image_upload", true)),
                Map.of(), List.of("IMAGE", "MASK"), List.of(), false, node, node, node);
    }

    /** The combo's options: the input area's top-level image files, sorted. */
    private List<String> inputImages() {
        try (Stream<Path> files = Files.list(folders.input())) {
            return files.filter(Files::isRegularFile)
                    .map(path -> path.getFileName().toString())
                    .filter(name -> IMAGE_EXTENSIONS.contains(name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public List<String> parameters() {
        return List.of("image");
    }

    @Override
    public Optional<String> check(String inputName, JsonNode value) {
        return checkImageFile(folders, value);
    }

    /** LoadImage's and LoadImageMask's VALIDATE_INPUTS: the file must exist. */
    static Optional<String> checkImageFile(Folders folders, JsonNode value) {
        String image = value.isTextual() ? value.textValue() : value.toString();
        return Files.exists(folders.inputFile(image)) ? Optional.empty() : Optional.of("Invalid image file: " + image);
    }

    @Override
    public String fingerprint(ObjectNode inputs) {
        return fingerprint(folders, inputs);
    }

    /** LoadImage's and LoadImageMask's IS_CHANGED: the file's hash, so editing the file re-runs the node. */
    static String fingerprint(Folders folders, ObjectNode inputs) {
        try {
            return ImageFile.fingerprint(folders.inputFile(inputs.path("image").asText()));
        } catch (IOException e) {
            return "unreadable:" + System.nanoTime();
        }
    }

    @Override
    public NodeResult run(NodeRun run) throws PyException {
        Path file = folders.inputFile(((JsonNode) run.input("image")).asText());
        run.work();
        ImageFile image = ImageFile.read(file);
        Mask mask = image.hasAlpha() ? Mask.ofChannel(image, ImageFile.ALPHA) : Mask.placeholder();
        return NodeResult.of(ImageBatch.file(image.width(), image.height(), image), mask);
    }
}
