package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.Json;
import com.comfyjobs.simulator.json.PyException;
import com.comfyjobs.simulator.png.PngWriter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SaveImage (real PNGs in the output area, type "output") and PreviewImage (the same into the temp
 * area, type "temp", with a random "_temp_xxxxx" suffix on the prefix).
 */
public final class SaveImageNode implements NodeFunction {
    private static final String DESCRIPTION = "Saves the input images to your ComfyUI output directory.";
    private static final String PREVIEW_SUFFIX_LETTERS = "abcdefghijklmnopqrstupvxyz";

    private final Path dir;
    private final String type;
    private final boolean preview;

    private SaveImageNode(Path dir, String type, boolean preview) {
        this.dir = dir;
        this.type = type;
        this.preview = preview;
    }

    public static NodeDefinition saveImage(Folders folders) {
        return new NodeDefinition("SaveImage", "Save Image", "image", DESCRIPTION, "save_images",
                List.of(InputSpec.required("images", "IMAGE").with("tooltip", "The images to save."),
                        InputSpec.required("filename_prefix", "STRING").with("default", "ComfyUI")
                                .with("tooltip", "The prefix for the file to save. This may include formatting information such as %date:yyyy-MM-dd% or %Empty Latent Image.width% to include values from nodes.")),
                hidden(), List.of(), List.of(), true, null, null, new SaveImageNode(folders.output(), "output", false));
    }

    public static NodeDefinition previewImage(Folders folders) {
        return new NodeDefinition("PreviewImage", "Preview Image", "image", DESCRIPTION, "save_images",
                List.of(InputSpec.required("images", "IMAGE").typeOnly()),
                hidden(), List.of(), List.of(), true, null, null, new SaveImageNode(folders.temp(), "temp", true));
    }

    private static Map<String, String> hidden() {
        Map<String, String> hidden = new LinkedHashMap<>();
        hidden.put("prompt", "PROMPT");
        hidden.put("extra_pnginfo", "EXTRA_PNGINFO");
        return hidden;
    }

    @Override
    public NodeResult run(NodeRun run) throws PyException {
        ImageBatch images = (ImageBatch) run.input("images");
        JsonNode prefixInput = (JsonNode) run.input("filename_prefix");
        String prefix = prefixInput == null ? "ComfyUI" : prefixInput.asText();
        if (preview) {
            StringBuilder suffix = new StringBuilder("_temp_");
            for (int i = 0; i < 5; i++) {
                suffix.append(PREVIEW_SUFFIX_LETTERS.charAt(run.random().nextInt(PREVIEW_SUFFIX_LETTERS.length())));
            }
            prefix += suffix;
        }
        run.work();
        SaveImagePath target = SaveImagePath.resolve(prefix, dir, images.width(), images.height());
        ArrayNode results = Json.array();
        for (int i = 0; i < images.batch(); i++) {
            String file = target.fileName(i);
            try {
                PngWriter.write(target.folder().resolve(file), images.width(), images.height(), images.pngRows(i));
            } catch (IOException e) {
                throw new PyException("OSError", String.valueOf(e.getMessage()), List.of(
                        SimulatedTraceback.frame("nodes.py", 1604, "save_images", "img.save(os.path.join(full_output_folder, file), ...)")));
            }
            ObjectNode entry = results.addObject();
            entry.put("filename", file);
            entry.put("subfolder", target.subfolder());
            entry.put("type", type);
        }
        ObjectNode ui = Json.object();
        ui.set("images", results);
        return NodeResult.ui(ui);
    }
}
