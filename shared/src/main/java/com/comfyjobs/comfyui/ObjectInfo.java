package com.comfyjobs.comfyui;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What one ComfyUI server's GET /object_info says about node inputs, reduced to what the file-input
 * rules need: which inputs load a file the caller names (the frontend's upload widgets), which are
 * combos (a value picked from the server's own list), which are neither; and which classes and inputs
 * (hidden ones included) the server has at all. {@link #unknown()} stands for "no server answered".
 *
 * <p>An input loads a file when its options carry an upload widget flag ({@code image_upload},
 * {@code video_upload}, {@code audio_upload}, {@code file_upload}, and any other {@code *_upload}
 * set to true, which is how custom nodes name theirs) or an {@code image_folder} (the area a combo's
 * files come from, as LoadImageOutput sets it).
 */
public final class ObjectInfo {
    public enum InputKind { FILE, COMBO, OTHER }

    private static final ObjectInfo UNKNOWN = new ObjectInfo(null, Map.of());

    /** class_type -> input name -> kind, for the inputs a graph gives values; null when no server answered. */
    private final Map<String, Map<String, InputKind>> classes;
    /** class_type -> the inputs ComfyUI fills itself (prompt, extra_pnginfo, unique_id...). */
    private final Map<String, Set<String>> hidden;

    private ObjectInfo(Map<String, Map<String, InputKind>> classes, Map<String, Set<String>> hidden) {
        this.classes = classes;
        this.hidden = hidden;
    }

    public static ObjectInfo unknown() {
        return UNKNOWN;
    }

    /** Reads /object_info's answer; entries that do not have ComfyUI's shape are skipped. */
    public static ObjectInfo parse(JsonNode root) {
        Map<String, Map<String, InputKind>> classes = new HashMap<>();
        Map<String, Set<String>> hidden = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> nodes = root.fields();
        while (nodes.hasNext()) {
            Map.Entry<String, JsonNode> node = nodes.next();
            Map<String, InputKind> inputs = new HashMap<>();
            JsonNode input = node.getValue().path("input");
            for (String category : new String[] {"required", "optional"}) {
                Iterator<Map.Entry<String, JsonNode>> it = input.path(category).fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    inputs.put(e.getKey(), kindOf(e.getValue()));
                }
            }
            classes.put(node.getKey(), inputs);
            Set<String> filledByComfyUi = new HashSet<>();
            input.path("hidden").fieldNames().forEachRemaining(filledByComfyUi::add);
            hidden.put(node.getKey(), filledByComfyUi);
        }
        return new ObjectInfo(classes, hidden);
    }

    /** One input's spec, {@code [type, options]}: a type name, "COMBO", or a legacy combo's list of options. */
    private static InputKind kindOf(JsonNode spec) {
        JsonNode type = spec.path(0);
        JsonNode options = spec.path(1);
        if (options.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = options.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> o = it.next();
                if (o.getKey().endsWith("_upload") && o.getValue().asBoolean(false)
                        || o.getKey().equals("image_folder") && o.getValue().isTextual()) {
                    return InputKind.FILE;
                }
            }
        }
        return type.isArray() || "COMBO".equals(type.asText(null)) ? InputKind.COMBO : InputKind.OTHER;
    }

    public boolean isKnown() {
        return classes != null;
    }

    /** Whether the server has node class {@code classType}; false when no server answered. */
    public boolean hasClass(String classType) {
        return classes != null && classes.containsKey(classType);
    }

    /** Whether node class {@code classType} has input {@code input}, hidden or not; false when no server answered. */
    public boolean declares(String classType, String input) {
        return kind(classType, input).isPresent() || hidden.getOrDefault(classType, Set.of()).contains(input);
    }

    /** The input's kind; empty when no server answered or the server lists no such class or input. */
    public Optional<InputKind> kind(String classType, String input) {
        if (classes == null) {
            return Optional.empty();
        }
        Map<String, InputKind> inputs = classes.get(classType);
        return inputs == null ? Optional.empty() : Optional.ofNullable(inputs.get(input));
    }
}
