package com.comfyjobs.functions.http;

import com.comfyjobs.templates.Template;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A template as callers see it: {@code {"name", "version", "type", "description", "params"}}, where
 * {@code params} is the JSON Schema of a job's params object. The graph and the binds stay inside.
 */
public final class TemplateJson {
    private TemplateJson() {
    }

    public static ObjectNode view(Template t) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", t.name());
        o.put("version", t.version());
        o.put("type", t.definition().type().wire());
        o.put("description", t.definition().description());
        o.set("params", t.paramsSchema());
        return o;
    }

    /** {@code {"templates": [...]}}. */
    public static ObjectNode list(List<Template> templates) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ArrayNode all = out.putArray("templates");
        templates.forEach(t -> all.add(view(t)));
        return out;
    }
}
