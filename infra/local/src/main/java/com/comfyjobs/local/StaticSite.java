package com.comfyjobs.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.webjars.WebJarVersionLocator;

/**
 * The files the local stack serves besides the API: the jobs page ({@code /}, its script and style),
 * what the page needs to know of this stack ({@code /local-config.json}: how a caller names itself and
 * where the WebSocket API listens), the API's documentation ({@code /docs}: Swagger UI from its webjar
 * over {@code /openapi.yaml}, the repository's docs/openapi.yaml packaged at build time).
 *
 * <p>They hold no data, so they are served without identity. Every path is an exact entry of a table
 * built at start: nothing of a request's path ever reaches a file system or a class path lookup, so
 * no spelling of {@code ..} can leave it. Each answer carries an ETag and {@code no-cache} (a browser
 * asks again and gets 304 while the file is the same), so a restarted stack with a newer page is never
 * hidden behind a cached one.
 */
final class StaticSite {
    /** What a page of this site is allowed to load: its own files, images from the bucket wherever it is, the WebSocket API. */
    private static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' http: https: data:; "
            + "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    /** Swagger UI sets style attributes of its own and draws icons from data: URLs; it loads nothing from elsewhere. */
    private static final String DOCS_POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final String SWAGGER_UI = "swagger-ui";

    /** One file as it is answered. */
    record Asset(byte[] body, String contentType, String etag, String contentSecurityPolicy) {
    }

    private final Map<String, Asset> assets;

    private StaticSite(Map<String, Asset> assets) {
        this.assets = Map.copyOf(assets);
    }

    /**
     * Loads every file once. {@code credential} is what the page asks a caller for ({@link CallerIdentities#credential()}),
     * {@code webSocketPort} where the page finds the WebSocket API on the host it was loaded from.
     */
    static StaticSite load(String credential, String defaultUser, int webSocketPort) {
        Map<String, Asset> a = new LinkedHashMap<>();
        Asset page = asset(resource("comfyjobs/site/index.html"), "text/html; charset=utf-8", PAGE_POLICY);
        a.put("/", page);
        a.put("/index.html", page);
        a.put("/app.js", asset(resource("comfyjobs/site/app.js"), "text/javascript; charset=utf-8", null));
        a.put("/app.css", asset(resource("comfyjobs/site/app.css"), "text/css; charset=utf-8", null));
        a.put("/local-config.json", asset(config(credential, defaultUser, webSocketPort), "application/json", null));
        a.put("/openapi.yaml", asset(resource("comfyjobs/openapi.yaml"), "application/yaml; charset=utf-8", null));
        Asset docs = asset(resource("comfyjobs/site/docs.html"), "text/html; charset=utf-8", DOCS_POLICY);
        a.put("/docs", docs);
        a.put("/docs/", docs);
        a.put("/docs/docs.js", asset(resource("comfyjobs/site/docs.js"), "text/javascript; charset=utf-8", null));
        WebJarVersionLocator webJars = new WebJarVersionLocator();
        a.put("/docs/swagger-ui.css", asset(webJar(webJars, "swagger-ui.css"), "text/css; charset=utf-8", null));
        a.put("/docs/swagger-ui-bundle.js", asset(webJar(webJars, "swagger-ui-bundle.js"), "text/javascript; charset=utf-8", null));
        a.put("/docs/favicon-32x32.png", asset(webJar(webJars, "favicon-32x32.png"), "image/png", null));
        return new StaticSite(a);
    }

    /** The file at exactly this raw request path, if there is one. */
    Optional<Asset> find(String rawPath) {
        return Optional.ofNullable(assets.get(rawPath));
    }

    /** Every path served, for the check that none shadows or is shadowed by an API route. */
    Iterable<String> paths() {
        return assets.keySet();
    }

    /** The headers of an answer with this file. */
    static Map<String, String> headers(Asset a) {
        Map<String, String> h = new HashMap<>();
        h.put("Content-Type", a.contentType());
        h.put("Cache-Control", "no-cache");
        h.put("ETag", a.etag());
        h.put("X-Content-Type-Options", "nosniff");
        h.put("Referrer-Policy", "no-referrer");
        if (a.contentSecurityPolicy() != null) {
            h.put("Content-Security-Policy", a.contentSecurityPolicy());
        }
        return h;
    }

    private static byte[] config(String credential, String defaultUser, int webSocketPort) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("credential", credential);
        c.put("defaultUser", defaultUser);
        c.put("webSocketPort", webSocketPort);
        c.put("webSocketPath", WebSocketApiEmulator.PATH);
        try {
            return new ObjectMapper().writeValueAsBytes(c);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] webJar(WebJarVersionLocator webJars, String file) {
        String path = webJars.fullPath(SWAGGER_UI, file);
        if (path == null) {
            throw new IllegalStateException("the swagger-ui webjar is not on the class path, or lacks " + file);
        }
        return resource(path);
    }

    private static byte[] resource(String path) {
        try (InputStream in = StaticSite.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("the local stack's jar lacks " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Asset asset(byte[] body, String contentType, String policy) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            return new Asset(body, contentType, "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"", policy);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
