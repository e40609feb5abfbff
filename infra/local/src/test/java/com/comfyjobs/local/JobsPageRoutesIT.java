package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.Env;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The jobs page's and the API documentation's files as the local API port serves them, under
 * {@code serve}'s API keys: served to anyone (they hold no data) while every API route still wants a
 * key, each with its content type and cache headers, and nothing else of the jar or the disk reachable
 * by any spelling of a path. The API Gateway emulator runs with template.yaml's routes; no function
 * is needed, as no request here may reach one.
 */
class JobsPageRoutesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WEB_SOCKET_PORT = 3999;
    private static ApiGatewayEmulator api;

    /** A status line, the headers (names in lower case) and the body, read off the socket as sent. */
    record Answer(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    @BeforeAll
    static void start() throws IOException {
        Path keys = Files.createTempFile("jobs-page-keys-", ".txt");
        Files.writeString(keys, "page-test-key-0123456789 carol\n");
        ApiKeys callers = ApiKeys.load(keys);
        api = new ApiGatewayEmulator("127.0.0.1", 0, TemplateRoutes.load().routes(), Map.of(), callers,
                LocalAdmins.fromEnv(new Env(Map.of())), StaticSite.load(callers.credential(), "dev", WEB_SOCKET_PORT));
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    @Test
    void thePageIsServedWithoutAKeyWhileTheApiWantsOne() throws IOException {
        Answer page = request("GET", "/", Map.of());
        Answer jobs = request("GET", "/jobs", Map.of());

        assertEquals(200, page.status());
        assertTrue(page.text().contains("<script src=\"/app.js\""), page.text());
        assertEquals(401, jobs.status(), "the API's routes keep their authorizer");
    }

    @Test
    void eachFileHasItsContentTypeAndIsRevalidatedBeforeUse() throws IOException {
        Map<String, String> types = Map.of(
                "/", "text/html; charset=utf-8",
                "/app.js", "text/javascript; charset=utf-8",
                "/app.css", "text/css; charset=utf-8",
                "/local-config.json", "application/json",
                "/openapi.yaml", "application/yaml; charset=utf-8",
                "/docs", "text/html; charset=utf-8",
                "/docs/", "text/html; charset=utf-8",
                "/docs/docs.js", "text/javascript; charset=utf-8",
                "/docs/swagger-ui-bundle.js", "text/javascript; charset=utf-8",
                "/docs/swagger-ui.css", "text/css; charset=utf-8");
        for (Map.Entry<String, String> t : types.entrySet()) {
            Answer a = request("GET", t.getKey(), Map.of());

            assertEquals(200, a.status(), t.getKey());
            assertEquals(t.getValue(), a.headers().get("content-type"), t.getKey());
            assertEquals("no-cache", a.headers().get("cache-control"), t.getKey());
            assertEquals("nosniff", a.headers().get("x-content-type-options"), t.getKey());
            assertNotNull(a.headers().get("etag"), t.getKey());
            assertTrue(a.body().length > 0, t.getKey());
        }
        String policy = request("GET", "/", Map.of()).headers().get("content-security-policy");
        assertTrue(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"), policy);
    }

    @Test
    void theOpenApiDocumentIsTheRepositorysOwnFile() throws IOException {
        Answer a = request("GET", "/openapi.yaml", Map.of());

        assertArrayEquals(Files.readAllBytes(Path.of("../../docs/openapi.yaml")), a.body());
    }

    @Test
    void thePageLearnsFromTheServerHowCallersNameThemselvesAndWhereTheWebSocketIs() throws IOException {
        JsonNode config = JSON.readTree(request("GET", "/local-config.json", Map.of()).body());

        assertEquals("key", config.path("credential").asText());
        assertEquals(WEB_SOCKET_PORT, config.path("webSocketPort").asInt());
        assertEquals(WebSocketApiEmulator.PATH, config.path("webSocketPath").asText());
    }

    @Test
    void anUnchangedFileIsAnswered304WithoutItsBody() throws IOException {
        String etag = request("GET", "/app.js", Map.of()).headers().get("etag");

        Answer same = request("GET", "/app.js", Map.of("If-None-Match", etag));
        Answer other = request("GET", "/app.js", Map.of("If-None-Match", "\"not-this-one\""));

        assertEquals(304, same.status());
        assertEquals(0, same.body().length);
        assertEquals(200, other.status());
    }

    @Test
    void headAnswersTheHeadersAndOtherMethodsFindNothing() throws IOException {
        Answer head = request("HEAD", "/", Map.of());
        Answer post = request("POST", "/", Map.of());
        Answer delete = request("DELETE", "/docs/", Map.of());

        assertEquals(200, head.status());
        assertEquals(0, head.body().length);
        assertEquals("text/html; charset=utf-8", head.headers().get("content-type"));
        assertEquals(404, post.status());
        assertEquals(404, delete.status());
    }

    @Test
    void noSpellingOfAPathReachesAnythingButTheSitesFiles() throws IOException {
        List<String> paths = List.of(
                "/docs/../../etc/passwd",
                "/../../etc/passwd",
                "/docs/..%2f..%2fetc%2fpasswd",
                "/docs/%2e%2e/%2e%2e/etc/passwd",
                "/docs/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
                "/docs/..%252f..%252fetc%252fpasswd",
                "/docs/swagger-ui.css/../../../etc/passwd",
                "/docs/..%5c..%5cetc%5cpasswd",
                "//etc/passwd",
                "/docs//etc/passwd",
                "/%2fetc%2fpasswd",
                "/docs/%00swagger-ui.css",
                "/docs/index.html",
                "/docs/oauth2-redirect.html",
                "/docs/swagger-initializer.js",
                "/docs/swagger-ui.js",
                "/comfyjobs/openapi.yaml",
                "/comfyjobs/site/app.js",
                "/META-INF/resources/webjars/swagger-ui/5.34.1/index.html",
                "/com/comfyjobs/local/StaticSite.class",
                "/template.yaml",
                "/app.js/",
                "/APP.JS",
                "/docs/swagger-ui.css%00.html");
        for (String path : paths) {
            Answer a = request("GET", path, Map.of());

            assertEquals(404, a.status(), path);
            assertFalse(a.text().contains("root:"), path);
        }
    }

    private static Answer request(String method, String rawPath, Map<String, String> headers) throws IOException {
        try (Socket s = new Socket("127.0.0.1", api.port())) {
            StringBuilder r = new StringBuilder(method + " " + rawPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
            headers.forEach((k, v) -> r.append(k).append(": ").append(v).append("\r\n"));
            r.append("\r\n");
            OutputStream out = s.getOutputStream();
            out.write(r.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] all = in.readAllBytes();
            int split = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String[] head = new String(all, 0, split, StandardCharsets.ISO_8859_1).split("\r\n");
            Map<String, String> h = new HashMap<>();
            for (int i = 1; i < head.length; i++) {
                int colon = head[i].indexOf(':');
                h.put(head[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), head[i].substring(colon + 1).strip());
            }
            return new Answer(Integer.parseInt(head[0].split(" ")[1]), h, Arrays.copyOfRange(all, split + 4, all.length));
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("no end of the headers in " + new String(haystack, StandardCharsets.ISO_8859_1));
    }
}
