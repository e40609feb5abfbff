package com.comfyjobs.comfyui;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * How to reach the ComfyUI servers.
 *
 * <table>
 * <caption>Environment variables</caption>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>COMFYUI_URLS</td><td>http://127.0.0.1:8188</td><td>comma-separated base URLs of the server pool</td></tr>
 * <tr><td>COMFYUI_HEADER</td><td>(none)</td><td>one header sent on every call, "Name: value" (a proxy's bearer token)</td></tr>
 * <tr><td>COMFYUI_CONNECT_TIMEOUT_MS</td><td>2000</td><td>TCP connect timeout</td></tr>
 * <tr><td>COMFYUI_REQUEST_TIMEOUT_MS</td><td>10000</td><td>longest wait for an answer's headers</td></tr>
 * <tr><td>COMFYUI_HEALTH_TIMEOUT_MS</td><td>800</td><td>timeout of the queue_remaining probe that picks a server</td></tr>
 * <tr><td>COMFYUI_HEALTH_CACHE_MS</td><td>3000</td><td>how long a probe's answer is reused</td></tr>
 * </table>
 */
public record ComfyUiSettings(List<URI> servers, String headerName, String headerValue, Duration connectTimeout,
                              Duration requestTimeout, Duration healthTimeout, Duration healthCache) {

    public ComfyUiSettings {
        servers = List.copyOf(servers);
        if (servers.isEmpty()) {
            throw new ConfigException("COMFYUI_URLS must name at least one ComfyUI server");
        }
    }

    public static ComfyUiSettings fromEnv(Env env) {
        List<URI> servers = env.uris("COMFYUI_URLS", "http://127.0.0.1:8188", "http", "https");
        String name = null;
        String value = null;
        String header = env.raw("COMFYUI_HEADER");
        if (header != null) {
            int colon = header.indexOf(':');
            if (colon <= 0 || colon == header.length() - 1 || !header.substring(0, colon).trim().matches("[A-Za-z0-9-]+")) {
                throw new ConfigException("COMFYUI_HEADER must look like 'Authorization: Bearer <token>'");
            }
            name = header.substring(0, colon).trim();
            value = header.substring(colon + 1).trim();
        }
        return new ComfyUiSettings(servers.stream().map(ComfyUiSettings::normalize).toList(), name, value,
                env.millis("COMFYUI_CONNECT_TIMEOUT_MS", Duration.ofSeconds(2), Duration.ofMillis(50), Duration.ofSeconds(30)),
                env.millis("COMFYUI_REQUEST_TIMEOUT_MS", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMinutes(5)),
                env.millis("COMFYUI_HEALTH_TIMEOUT_MS", Duration.ofMillis(800), Duration.ofMillis(50), Duration.ofSeconds(10)),
                env.millis("COMFYUI_HEALTH_CACHE_MS", Duration.ofSeconds(3), Duration.ZERO, Duration.ofMinutes(5)));
    }

    public static ComfyUiSettings of(List<URI> servers) {
        return new ComfyUiSettings(servers.stream().map(ComfyUiSettings::normalize).toList(), null, null,
                Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofMillis(800), Duration.ofSeconds(3));
    }

    public ComfyUiSettings withTimeouts(Duration connect, Duration request) {
        return new ComfyUiSettings(servers, headerName, headerValue, connect, request, healthTimeout, healthCache);
    }

    public ComfyUiSettings withHealth(Duration timeout, Duration cache) {
        return new ComfyUiSettings(servers, headerName, headerValue, connectTimeout, requestTimeout, timeout, cache);
    }

    public ComfyUiSettings withHeader(String name, String value) {
        return new ComfyUiSettings(servers, name, value, connectTimeout, requestTimeout, healthTimeout, healthCache);
    }

    /** A base URL without a trailing slash, so that it compares equal to the one recorded on jobs. */
    static URI normalize(URI u) {
        String s = u.toString();
        return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    }

    @Override
    public String toString() {
        return "ComfyUiSettings[servers=" + servers + ", header=" + (headerName == null ? "none" : headerName + ": ***")
                + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout + "]";
    }
}
