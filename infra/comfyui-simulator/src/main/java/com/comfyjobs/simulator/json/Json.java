package com.comfyjobs.simulator.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * JSON in the two dialects the simulator speaks: Python's {@code json.dumps} defaults (what aiohttp's
 * json_response and send_json put on the wire: ", " and ": " separators, non-ASCII escaped) for the
 * HTTP API and WebSocket, and compact UTF-8 for webhook bodies (what the project's bridge sends).
 */
public final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final ObjectWriter PYTHON = MAPPER.writer(new PythonSeparators())
            .with(JsonWriteFeature.ESCAPE_NON_ASCII);
    private static final ObjectWriter COMPACT = MAPPER.writer();

    private Json() {
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    public static JsonNodeFactory nodes() {
        return JsonNodeFactory.instance;
    }

    /** Parses bytes as JSON; throws {@link IOException} for malformed input. */
    public static JsonNode parse(byte[] bytes) throws IOException {
        JsonNode node = MAPPER.readTree(bytes);
        if (node == null || node.isMissingNode()) {
            throw new IOException("Expecting value: line 1 column 1 (char 0)");
        }
        return node;
    }

    public static JsonNode parse(String text) throws IOException {
        return parse(text.getBytes(StandardCharsets.UTF_8));
    }

    public static String python(JsonNode node) {
        try {
            return PYTHON.writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] compact(JsonNode node) {
        try {
            return COMPACT.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class PythonSeparators extends MinimalPrettyPrinter {
        private static final long serialVersionUID = 1L;

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }
    }
}
