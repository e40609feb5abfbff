package com.comfyjobs.templates;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** One published version of a template, its params' schema compiled once for every job that uses it. */
public final class Template {
    private final String name;
    private final int version;
    private final TemplateDefinition definition;
    private final ObjectNode paramsSchema;
    private final JsonSchemas.Validator params;

    public Template(String name, int version, TemplateDefinition definition) {
        this.name = Objects.requireNonNull(name, "name");
        this.version = version;
        this.definition = Objects.requireNonNull(definition, "definition");
        this.paramsSchema = definition.paramsSchema();
        this.params = JsonSchemas.compile(paramsSchema);
    }

    public String name() {
        return name;
    }

    public int version() {
        return version;
    }

    public TemplateDefinition definition() {
        return definition;
    }

    /** The JSON Schema of a job's {@code params} (a copy: callers may change it). */
    public ObjectNode paramsSchema() {
        return paramsSchema.deepCopy();
    }

    /**
     * What is wrong with the template's params among a job's, at {@code /params/...}. Params that are
     * not the template's are the caller's to report: they are left out here, so no name a caller made
     * up reaches the schema validator.
     */
    List<FieldError> validate(ObjectNode given) {
        ObjectNode known = given.objectNode();
        definition.params().keySet().forEach(name -> {
            if (given.has(name)) {
                known.set(name, given.get(name));
            }
        });
        return params.validate("/params", known, Set.of());
    }
}
