package com.comfyjobs.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * docs/openapi.yaml as a contract on what the API answers: each answer's status must be documented for
 * its route and method, its content type must be one the document gives for that status, and its body
 * must satisfy that content's schema, checked by networknt's validator with the OpenAPI 3.1 dialect
 * (the document's schemas are JSON Schema 2020-12, references into the document resolve as written).
 */
final class OpenApiContract {
    private static final String DOCUMENT_IRI = "https://comfyjobs.invalid/openapi.json";
    private static final Pattern TEMPLATE_PART = Pattern.compile("\\{[^/}]+}");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final JsonNode document;
    private final SchemaRegistry registry;
    private final List<Route> routes = new ArrayList<>();
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    private record Route(String template, Pattern pattern, String pointer) {
    }

    private OpenApiContract(JsonNode document) {
        this.document = document;
        this.registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi31(),
                b -> b.schemas(Map.of(DOCUMENT_IRI, document.toString())));
        for (Iterator<String> it = document.get("paths").fieldNames(); it.hasNext(); ) {
            String template = it.next();
            String regex = TEMPLATE_PART.matcher(Pattern.quote(template)).replaceAll("\\\\E[^/]+\\\\Q");
            routes.add(new Route(template, Pattern.compile(regex), "/paths/" + escape(template)));
        }
    }

    /** The repository's docs/openapi.yaml. */
    static OpenApiContract load() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("docs/openapi.yaml"))) {
            dir = dir.getParent();
        }
        return of(dir.resolve("docs/openapi.yaml"));
    }

    static OpenApiContract of(Path yaml) {
        try {
            return new OpenApiContract(YAML.readTree(yaml.toFile()));
        } catch (IOException e) {
            throw new IllegalStateException(yaml + ": " + e.getMessage(), e);
        }
    }

    /**
     * What in this answer the document does not allow; empty when it holds.
     *
     * @param contentType the answer's Content-Type header, null when it had none
     * @param body the answer's body, empty when it had none
     */
    List<String> violations(String method, URI uri, int status, String contentType, String body) {
        String path = uri.getRawPath();
        String what = method + " " + path + " -> " + status;
        Route route = routes.stream().filter(r -> r.pattern().matcher(path).matches())
                .min((a, b) -> Integer.compare(TEMPLATE_PART.matcher(a.template()).results().toArray().length,
                        TEMPLATE_PART.matcher(b.template()).results().toArray().length))
                .orElse(null);
        if (route == null) {
            return List.of(what + ": no path of the document matches");
        }
        String operation = route.pointer() + "/" + method.toLowerCase(Locale.ROOT);
        if (document.at(operation).isMissingNode()) {
            return List.of(what + ": " + route.template() + " documents no " + method);
        }
        String response = responsePointer(operation + "/responses", status);
        if (response == null) {
            return List.of(what + ": status not documented for " + method + " " + route.template());
        }
        JsonNode content = document.at(response + "/content");
        if (content.isMissingNode() || content.isEmpty()) {
            return body.isEmpty() ? List.of() : List.of(what + ": the document gives no body, the answer has " + body.length() + " characters");
        }
        String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!content.has(mediaType)) {
            return List.of(what + ": content type '" + mediaType + "' is not one of " + iterable(content.fieldNames()));
        }
        String schemaPointer = response + "/content/" + escape(mediaType) + "/schema";
        if (document.at(schemaPointer).isMissingNode() || !mediaType.endsWith("json")) {
            return List.of();
        }
        Schema schema = schemas.computeIfAbsent(schemaPointer,
                p -> registry.getSchema(SchemaLocation.of(DOCUMENT_IRI + "#" + p)));
        List<String> out = new ArrayList<>();
        for (Error e : schema.validate(body, InputFormat.JSON)) {
            out.add(what + ": " + e.getInstanceLocation() + " " + e.getMessage());
        }
        return out;
    }

    /** The response object for {@code status} (exact, then its class such as 4XX, then default), its $ref followed. */
    private String responsePointer(String responses, int status) {
        for (String key : List.of(Integer.toString(status), (status / 100) + "XX", "default")) {
            String pointer = responses + "/" + escape(key);
            JsonNode node = document.at(pointer);
            if (!node.isMissingNode()) {
                JsonNode ref = node.get("$ref");
                return ref == null ? pointer : ref.asText().substring(1);
            }
        }
        return null;
    }

    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    private static List<String> iterable(Iterator<String> names) {
        List<String> out = new ArrayList<>();
        names.forEachRemaining(out::add);
        return out;
    }
}
