package com.comfyjobs.comfyui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Points every saving node of a graph into one folder. ComfyUI's savers (images, video, audio,
 * latents, LoRA files alike) take a {@code filename_prefix} input and hand it to
 * {@code folder_paths.get_save_image_path}: its directory part (after {@code os.path.normpath})
 * becomes the subfolder of the output directory the files land in, and what /history reports as their
 * {@code subfolder}; its last part starts each file name. A prefix {@code <folder>/<base>} therefore
 * puts every file in {@code <folder>} and nowhere else, whatever class the node is.
 *
 * <p>The base keeps what is harmless of the caller's prefix: its last path part, ASCII letters, digits,
 * {@code _ - .} only, no {@code ..} (ComfyUI's /view refuses such names), no leading dot, at most
 * {@value #MAX_BASE_CHARS} characters; {@value #DEFAULT_BASE} when nothing is left or the input is
 * not text (a link, a number).
 */
public final class OutputPrefixes {
    private static final String INPUT = "filename_prefix";
    /** ComfyUI's own default prefix. */
    private static final String DEFAULT_BASE = "ComfyUI";
    static final int MAX_BASE_CHARS = 64;

    private OutputPrefixes() {
    }

    /** Sets the {@code filename_prefix} of every node that has one to {@code folder/<safe base>}, in place. */
    public static void into(ObjectNode graph, String folder) {
        Iterator<Map.Entry<String, JsonNode>> nodes = graph.fields();
        while (nodes.hasNext()) {
            JsonNode inputs = nodes.next().getValue().path("inputs");
            if (inputs.isObject() && inputs.has(INPUT)) {
                JsonNode prefix = inputs.get(INPUT);
                ((ObjectNode) inputs).put(INPUT, folder + "/" + safeBase(prefix.isTextual() ? prefix.textValue() : ""));
            }
        }
    }

    /** The file name start {@code prefix} may keep inside the folder. */
    static String safeBase(String prefix) {
        String last = prefix.substring(Math.max(prefix.lastIndexOf('/'), prefix.lastIndexOf('\\')) + 1);
        StringBuilder kept = new StringBuilder(last.length());
        for (int i = 0; i < last.length(); i++) {
            char c = last.charAt(i);
            boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
                    || c == '.';
            if (safe && !(c == '.' && (kept.length() == 0 || kept.charAt(kept.length() - 1) == '.'))) {
                kept.append(c);
            }
            if (kept.length() == MAX_BASE_CHARS) {
                break;
            }
        }
        return kept.length() == 0 ? DEFAULT_BASE : kept.toString();
    }
}
