package com.comfyjobs.templates;

import com.comfyjobs.comfyui.GraphInput;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * One param of a template: its JSON Schema (what a template's PUT body gives for it, without the
 * {@code required} and {@code bind} members), whether a job must give it, and the graph inputs its
 * value fills. An image param ({@code "format": "image"}) is taken by the input images instead of
 * being written into the graph; a marked one ({@link ParamMarker}) means something to ComfyJobs.
 */
public record TemplateParam(String name, ObjectNode schema, boolean required, List<GraphInput> binds, ParamMarker marker,
                            boolean image) {
    public TemplateParam {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(schema, "schema");
        binds = List.copyOf(binds);
    }

    /** The schema's {@code default}, or null. */
    public JsonNode defaultValue() {
        return schema.get("default");
    }
}
