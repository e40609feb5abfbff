package com.comfyjobs.functions.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Reads what handlers need from a payload 2.0 event, defensively: every field may be missing. */
public final class HttpRequests {
    private HttpRequests() {
    }

    public static byte[] body(APIGatewayV2HTTPEvent e) {
        String body = e.getBody();
        if (body == null) {
            return new byte[0];
        }
        if (e.getIsBase64Encoded()) {
            try {
                return Base64.getDecoder().decode(body);
            } catch (IllegalArgumentException ex) {
                throw ApiProblem.badRequest("request body is not valid base64");
            }
        }
        return body.getBytes(StandardCharsets.UTF_8);
    }

    /** Header names in payload 2.0 are lower case; other callers may not follow that, so compare case-insensitively. */
    public static Optional<String> header(APIGatewayV2HTTPEvent e, String name) {
        Map<String, String> headers = e.getHeaders();
        if (headers == null) {
            return Optional.empty();
        }
        String v = headers.get(name.toLowerCase(Locale.ROOT));
        if (v == null) {
            for (Map.Entry<String, String> h : headers.entrySet()) {
                if (h.getKey() != null && h.getKey().equalsIgnoreCase(name)) {
                    v = h.getValue();
                    break;
                }
            }
        }
        return Optional.ofNullable(v);
    }

    public static Map<String, String> headers(APIGatewayV2HTTPEvent e) {
        return e.getHeaders() == null ? Map.of() : e.getHeaders();
    }

    public static String pathParameter(APIGatewayV2HTTPEvent e, String name) {
        Map<String, String> p = e.getPathParameters();
        return p == null ? null : p.get(name);
    }

    public static String queryParameter(APIGatewayV2HTTPEvent e, String name) {
        Map<String, String> q = e.getQueryStringParameters();
        return q == null ? null : q.get(name);
    }

    public static String requestId(APIGatewayV2HTTPEvent e) {
        return e.getRequestContext() == null ? null : e.getRequestContext().getRequestId();
    }
}
