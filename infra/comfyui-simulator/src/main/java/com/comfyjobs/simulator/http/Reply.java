package com.comfyjobs.simulator.http;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * An HTTP answer as aiohttp would shape it: json_response (Python-formatted JSON), a bare
 * web.Response (empty, application/octet-stream), aiohttp's plain-text errors, or a file to stream.
 */
public record Reply(int status, String contentType, byte[] body, Path file, Map<String, String> headers) {
    private static final String INTERNAL_ERROR = "500 Internal Server Error\n\nServer got itself in trouble";

    public static Reply json(int status, JsonNode value) {
        return new Reply(status, "application/json; charset=utf-8",
                Json.python(value).getBytes(StandardCharsets.UTF_8), null, Map.of());
    }

    public static Reply json(JsonNode value) {
        return json(200, value);
    }

    public static Reply empty(int status) {
        return new Reply(status, "application/octet-stream", new byte[0], null, Map.of());
    }

    public static Reply text(int status, String text) {
        return new Reply(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), null, Map.of());
    }

    /** What aiohttp answers when a handler raises. */
    public static Reply internalError() {
        return text(500, INTERNAL_ERROR);
    }

    public static Reply notFound() {
        return text(404, "404: Not Found");
    }

    public static Reply file(Path file, String contentType, Map<String, String> headers) {
        return new Reply(200, contentType, null, file, headers);
    }
}
