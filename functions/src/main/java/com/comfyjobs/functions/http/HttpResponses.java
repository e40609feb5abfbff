package com.comfyjobs.functions.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/** JSON and RFC 9457 problem+json responses in API Gateway's payload 2.0 shape. */
public final class HttpResponses {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpResponses() {
    }

    public static APIGatewayV2HTTPResponse json(int status, JsonNode body, Map<String, String> headers) {
        Map<String, String> h = new HashMap<>(headers);
        h.put("Content-Type", "application/json");
        h.put("Cache-Control", "no-store");
        return APIGatewayV2HTTPResponse.builder().withStatusCode(status).withHeaders(h).withBody(write(body)).build();
    }

    public static APIGatewayV2HTTPResponse json(int status, JsonNode body) {
        return json(status, body, Map.of());
    }

    public static APIGatewayV2HTTPResponse noContent() {
        return APIGatewayV2HTTPResponse.builder().withStatusCode(204).withHeaders(Map.of()).build();
    }

    public static APIGatewayV2HTTPResponse problem(ApiProblem e) {
        Map<String, String> headers = new HashMap<>();
        if (e.retryAfterSeconds() > 0) {
            headers.put("Retry-After", Long.toString(e.retryAfterSeconds()));
        }
        return problem(e.status(), e.title(), e.detail(), e.extensions(), headers);
    }

    /**
     * A problem document. {@code type} is a URN made from the title, so clients can switch on it;
     * extension members never override the standard ones.
     */
    public static APIGatewayV2HTTPResponse problem(int status, String title, String detail, ObjectNode extensions,
                                                   Map<String, String> headers) {
        ObjectNode p = JSON.createObjectNode();
        p.put("type", "urn:comfyjobs:problem:" + title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", ""));
        p.put("title", title);
        p.put("status", status);
        if (detail != null) {
            p.put("detail", detail);
        }
        if (extensions != null) {
            Iterator<Map.Entry<String, JsonNode>> it = extensions.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!p.has(e.getKey())) {
                    p.set(e.getKey(), e.getValue());
                }
            }
        }
        Map<String, String> h = new HashMap<>(headers);
        h.put("Content-Type", "application/problem+json");
        h.put("Cache-Control", "no-store");
        return APIGatewayV2HTTPResponse.builder().withStatusCode(status).withHeaders(h).withBody(write(p)).build();
    }

    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    private static String write(JsonNode n) {
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
