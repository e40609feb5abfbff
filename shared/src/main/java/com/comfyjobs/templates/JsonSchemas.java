package com.comfyjobs.templates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;
import com.networknt.schema.path.PathType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.PatternSyntaxException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON Schema (draft 2020-12) for template params, through networknt's validator. It reads Jackson 3
 * trees; the rest of ComfyJobs uses Jackson 2, so trees cross over as text. Schemas are
 * self-contained: the keywords that name other schemas ({@code $ref}, {@code $id}, ...) are refused,
 * and the loader reaches nothing but the bundled meta-schema, so a schema can never make the service
 * fetch a URL or read a file.
 */
final class JsonSchemas {
    private static final String META_SCHEMA_BASE = "https://json-schema.org/draft/2020-12/";
    private static final Set<String> REFERENCING = Set.of("$ref", "$dynamicRef", "$recursiveRef", "$id", "$schema", "$anchor",
            "$dynamicAnchor", "$recursiveAnchor", "$vocabulary");
    private static final JsonMapper JACKSON3 = JsonMapper.builder().build();
    /** Draft 2020-12 that knows our own keyword, instead of warning on every schema that it is unknown. */
    private static final Dialect DIALECT = Dialect.builder(Dialects.getDraft202012())
            .keyword(new NonValidationKeyword(ParamMarker.KEYWORD)).build();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(DIALECT,
            b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder().locale(Locale.ENGLISH).pathType(PathType.JSON_POINTER).build())
                    .schemaLoader(loader -> loader.allow(iri -> iri.toString().startsWith(META_SCHEMA_BASE))));
    private static final Schema META_SCHEMA = REGISTRY.getSchema(SchemaLocation.of(SpecificationVersion.DRAFT_2020_12.getDialectId()));

    private JsonSchemas() {
    }

    /** A compiled schema. */
    static final class Validator {
        private final Schema schema;

        private Validator(Schema schema) {
            this.schema = schema;
        }

        /**
         * What is wrong with {@code value}, each at {@code base} plus the place in the value; errors of
         * the keywords in {@code skip} are left out (the caller reports those its own way).
         */
        List<FieldError> validate(String base, JsonNode value, Set<String> skip) {
            List<FieldError> out = new ArrayList<>();
            for (Error e : schema.validate(jackson3(value))) {
                if (skip.contains(e.getKeyword())) {
                    continue;
                }
                String at = base + e.getInstanceLocation().toString();
                String message = e.getMessage();
                if ("required".equals(e.getKeyword()) && e.getProperty() != null) {
                    at = at + FieldError.pointer(e.getProperty());
                    message = "is required";
                }
                out.add(new FieldError(at, message));
            }
            return out;
        }
    }

    /** Compiles {@code schema}, which {@link #check} found valid. */
    static Validator compile(JsonNode schema) {
        return new Validator(REGISTRY.getSchema(jackson3(schema)));
    }

    /**
     * What keeps {@code schema} from being a valid, self-contained JSON Schema: a referencing keyword,
     * a keyword whose value the meta-schema refuses, or one the validator cannot compile (an invalid
     * regular expression).
     */
    static List<FieldError> check(String base, JsonNode schema) {
        List<FieldError> out = new ArrayList<>();
        referencing(base, schema, out);
        if (!out.isEmpty()) {
            return out;
        }
        Set<String> reported = new HashSet<>();
        for (Error e : META_SCHEMA.validate(jackson3(schema))) {
            String at = base + e.getInstanceLocation().toString();
            // one message per place: the meta-schema's alternatives (a type name or a list of them) each add one
            if (reported.add(at)) {
                out.add(new FieldError(at, e.getMessage()));
            }
        }
        if (out.isEmpty()) {
            try {
                compile(schema).validate(base, NullNode.getInstance(), Set.of());
            } catch (SchemaException e) {
                out.add(new FieldError(base, uncompilable(e)));
            }
        }
        return out;
    }

    /** Why the validator could not compile a schema, without its internals (class names, stack traces). */
    private static String uncompilable(SchemaException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof PatternSyntaxException p) {
                return "has an invalid regular expression: " + FieldError.quoted(p.getDescription(), 200);
            }
        }
        return "is not a valid JSON Schema";
    }

    private static void referencing(String at, JsonNode n, List<FieldError> out) {
        if (n.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = n.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                String here = at + FieldError.pointer(f.getKey());
                if (REFERENCING.contains(f.getKey())) {
                    out.add(new FieldError(here, "param schemas are self-contained: " + f.getKey() + " is not supported"));
                } else {
                    referencing(here, f.getValue(), out);
                }
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                referencing(at + "/" + i, n.get(i), out);
            }
        }
    }

    private static tools.jackson.databind.JsonNode jackson3(JsonNode n) {
        try {
            return JACKSON3.readTree(n.toString());
        } catch (JacksonException e) {
            throw new IllegalStateException("JSON Jackson 2 wrote does not read back in Jackson 3", e);
        }
    }
}
