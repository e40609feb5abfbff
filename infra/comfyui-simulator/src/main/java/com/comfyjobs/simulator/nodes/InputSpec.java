package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.List;
import java.util.function.Supplier;

/**
 * One "required" or "optional" entry of a node's INPUT_TYPES: a name, a type (a type name such as
 * "INT" or "MODEL", or a combo whose options may change while the server runs) and the options dict
 * (default, min, max, tooltip...), which a node may leave out altogether ({@code ("IMAGE",)}).
 */
public final class InputSpec {
    private final String name;
    private final String typeName;
    private final Supplier<List<String>> combo;
    private final boolean optional;
    private final ObjectNode options = Json.object();
    private boolean typeOnly;

    private InputSpec(String name, String typeName, Supplier<List<String>> combo, boolean optional) {
        this.name = name;
        this.typeName = typeName;
        this.combo = combo;
        this.optional = optional;
    }

    public static InputSpec required(String name, String typeName) {
        return new InputSpec(name, typeName, null, false);
    }

    public static InputSpec requiredCombo(String name, Supplier<List<String>> options) {
        return new InputSpec(name, null, options, false);
    }

    /** An input the node runs without (ImageCompositeMasked's mask); validation only checks it when given. */
    public static InputSpec optional(String name, String typeName) {
        return new InputSpec(name, typeName, null, true);
    }

    /**
     * Declared as a tuple of the type alone, as {@code "pixels": ("IMAGE", )}: /object_info then shows
     * {@code ["IMAGE"]}, while validation errors still show {@code ["IMAGE", {}]}, as ComfyUI's do.
     */
    public InputSpec typeOnly() {
        typeOnly = true;
        return this;
    }

    public InputSpec with(String key, Object value) {
        if (value instanceof Boolean b) {
            options.put(key, b);
        } else if (value instanceof Integer i) {
            options.put(key, i);
        } else if (value instanceof Double d) {
            options.put(key, d);
        } else if (value instanceof BigInteger b) {
            options.put(key, b);
        } else {
            options.put(key, String.valueOf(value));
        }
        return this;
    }

    public String name() {
        return name;
    }

    public boolean isOptional() {
        return optional;
    }

    public boolean isCombo() {
        return combo != null;
    }

    /** The combo's current options; empty for typed inputs. */
    public List<String> comboOptions() {
        return combo == null ? List.of() : combo.get();
    }

    /** The type as ComfyUI serialises it: a type name, or the list of combo options. */
    public JsonNode type() {
        if (combo == null) {
            return Json.nodes().textNode(typeName);
        }
        ArrayNode values = Json.array();
        combo.get().forEach(values::add);
        return values;
    }

    /** The type name for link checks; null for combos. */
    public String typeName() {
        return typeName;
    }

    public ObjectNode options() {
        return options.deepCopy();
    }

    /** The (type, options) pair validation errors' input_config show; options are {} when none were declared. */
    public ArrayNode info() {
        ArrayNode info = Json.array();
        info.add(type());
        info.add(options());
        return info;
    }

    /** The tuple as the node declares it, which /object_info shows. */
    public ArrayNode declaration() {
        if (!typeOnly) {
            return info();
        }
        ArrayNode declaration = Json.array();
        declaration.add(type());
        return declaration;
    }

    public JsonNode option(String key) {
        return options.get(key);
    }
}
