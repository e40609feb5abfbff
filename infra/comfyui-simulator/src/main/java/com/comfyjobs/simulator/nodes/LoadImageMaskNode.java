package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * LoadImageMask: one channel of an input file as a MASK of the image's size ({@code 1 - alpha} for
 * alpha). Its combo lists every file of the input area, not only images, as ComfyUI's does, and its
 * {@code image} input carries the same upload flag as LoadImage's.
 */
public final class LoadImageMaskNode implements NodeFunction, InputValidation, ChangeDetector {
    /** LoadImageMask._color_channels. */
    static final List<String> CHANNELS = List.of("alpha", "red", "green", "blue");

    private final Folders folders;

    private LoadImageMaskNode(Folders folders) {
        this.folders = folders;
    }

    public static NodeDefinition definition(Folders folders) {
        LoadImageMaskNode node = new LoadImageMaskNode(folders);
        return new NodeDefinition("LoadImageMask", "Load Image (as Mask)", "mask", "", "load_image",
                List.of(InputSpec.requiredCombo("image", node::inputFiles).with("image_upload", true),
                        InputSpec.requiredCombo("channel", () -> CHANNELS).typeOnly()),
                Map.of(), List.of("MASK"), List.of(), false, node, node, node);
    }

    private List<String> inputFiles() {
        try (Stream<Path> files = Files.list(folders.input())) {
            return files.filter(Files::isRegularFile).map(path -> path.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** VALIDATE_INPUTS(s, image): only {@code image} leaves the generic checks; {@code channel} keeps its list check. */
    @Override
    public List<String> parameters() {
        return List.of("image");
    }

    @Override
    public Optional<String> check(String inputName, JsonNode value) {
        return LoadImageNode.checkImageFile(folders, value);
    }

    @Override
    public String fingerprint(ObjectNode inputs) {
        return LoadImageNode.fingerprint(folders, inputs);
    }

    @Override
    public NodeResult run(NodeRun run) throws PyException {
        Path file = folders.inputFile(((JsonNode) run.input("image")).asText());
        String channel = ((JsonNode) run.input("channel")).asText();
        run.work();
        ImageFile image = ImageFile.read(file);
        int shift = switch (channel) {
            case "alpha" -> ImageFile.ALPHA;
            case "red" -> ImageFile.RED;
            case "green" -> ImageFile.GREEN;
            default -> ImageFile.BLUE;
        };
        return NodeResult.of(Mask.ofChannel(image, shift));
    }
}
