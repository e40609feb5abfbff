package com.comfyjobs.templates;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * An image a template job takes: the param, the value the request gave (a URL, a data URI or
 * {@code {"upload": id}}) and the graph inputs it fills, {@code "<node id>.inputs.<input>"}.
 */
public record ImageParam(String param, JsonNode source, List<String> binds) {
    public ImageParam {
        binds = List.copyOf(binds);
    }
}
