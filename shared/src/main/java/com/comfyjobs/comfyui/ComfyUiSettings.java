package com.comfyjobs.comfyui;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import com.comfyjobs.secrets.Secrets;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How to reach the ComfyUI servers.
 *
 * <table>
 * <caption>Environment variables</caption>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>COMFYUI_URLS</td><td>http://127.0.0.1:8188</td><td>comma-separated base URLs of the server pool</td></tr>
 * <tr><td>COMFYUI_HEADER_SECRET_ARN</td><td>(none)</td><td>a Secrets Manager secret holding one header sent on every call,
 * "Name: value" (a proxy's bearer token); read again after SECRETS_TTL_SECONDS</td></tr>
 * <tr><td>COMFYUI_HEADER</td><td>(none)</td><td>local runs: the header itself, when no COMFYUI_HEADER_SECRET_ARN is set</td></tr>
 * <tr><td>COMFYUI_CONNECT_TIMEOUT_MS</td><td>2000</td><td>TCP connect timeout</td></tr>
 * <tr><td>COMFYUI_REQUEST_TIMEOUT_MS</td><td>10000</td><td>longest wait for an answer's headers</td></tr>
 * <tr><td>COMFYUI_HEALTH_TIMEOUT_MS</td><td>800</td><td>timeout of the queue_remaining probe that picks a server</td></tr>
 * <tr><td>COMFYUI_HEALTH_CACHE_MS</td><td>3000</td><td>how long a probe's answer is reused</td></tr>
 * <tr><td>COMFYUI_DRAIN</td><td>(none)</td><td>comma-separated servers of COMFYUI_URLS that take no new job (written as
 * there, or by their {@linkplain #nameOf name}); their jobs finish there</td></tr>
 * </table>
 */
public record ComfyUiSettings(List<URI> servers, ComfyUiHeader header, Duration connectTimeout,
                              Duration requestTimeout, Duration healthTimeout, Duration healthCache, List<URI> drained) {

    public ComfyUiSettings {
        servers = List.copyOf(servers);
        drained = List.copyOf(drained);
        if (servers.isEmpty()) {
            throw new ConfigException("COMFYUI_URLS must name at least one ComfyUI server");
        }
    }

    public static ComfyUiSettings fromEnv(Env env, Secrets secrets) {
        List<URI> servers = env.uris("COMFYUI_URLS", "http://127.0.0.1:8188", "http", "https");
        ComfyUiHeader header = secrets.optional("COMFYUI_HEADER_SECRET_ARN", "COMFYUI_HEADER")
                .map(secret -> ComfyUiHeader.from(secret, secret.variable()))
                .orElse(ComfyUiHeader.none());
        List<URI> pool = servers.stream().map(ComfyUiSettings::normalize).toList();
        return new ComfyUiSettings(pool, header,
                env.millis("COMFYUI_CONNECT_TIMEOUT_MS", Duration.ofSeconds(2), Duration.ofMillis(50), Duration.ofSeconds(30)),
                env.millis("COMFYUI_REQUEST_TIMEOUT_MS", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMinutes(5)),
                env.millis("COMFYUI_HEALTH_TIMEOUT_MS", Duration.ofMillis(800), Duration.ofMillis(50), Duration.ofSeconds(10)),
                env.millis("COMFYUI_HEALTH_CACHE_MS", Duration.ofSeconds(3), Duration.ZERO, Duration.ofMinutes(5)),
                drained(env.string("COMFYUI_DRAIN", null), pool));
    }

    public static ComfyUiSettings of(List<URI> servers) {
        return new ComfyUiSettings(servers.stream().map(ComfyUiSettings::normalize).toList(), ComfyUiHeader.none(),
                Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofMillis(800), Duration.ofSeconds(3), List.of());
    }

    public ComfyUiSettings withTimeouts(Duration connect, Duration request) {
        return new ComfyUiSettings(servers, header, connect, request, healthTimeout, healthCache, drained);
    }

    public ComfyUiSettings withHealth(Duration timeout, Duration cache) {
        return new ComfyUiSettings(servers, header, connectTimeout, requestTimeout, timeout, cache, drained);
    }

    public ComfyUiSettings withHeader(ComfyUiHeader h) {
        return new ComfyUiSettings(servers, h, connectTimeout, requestTimeout, healthTimeout, healthCache, drained);
    }

    /** As COMFYUI_DRAIN would set it: each entry a server of the pool, as written there or by its name. */
    public ComfyUiSettings withDrained(String drain) {
        return new ComfyUiSettings(servers, header, connectTimeout, requestTimeout, healthTimeout, healthCache, drained(drain, servers));
    }

    /**
     * What names a server outside the service (the metrics' Server dimension, COMFYUI_DRAIN): its
     * base URL without credentials, query or fragment, which may be secrets.
     */
    public static String nameOf(URI server) {
        try {
            return normalize(new URI(server.getScheme(), null, server.getHost(), server.getPort(), server.getPath(), null, null)).toString();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a server URL", e);
        }
    }

    /**
     * An entry matches the servers of the same {@linkplain #nameOf name}, so an operator can copy it
     * from COMFYUI_URLS or from a metric's Server dimension; one that matches no server is a typo
     * that would leave the server it meant taking jobs, so it stops the start.
     */
    private static List<URI> drained(String drain, List<URI> pool) {
        List<URI> out = new ArrayList<>();
        if (drain == null) {
            return out;
        }
        for (String part : drain.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String name = entryName(part.trim());
            List<URI> matched = pool.stream().filter(u -> nameOf(u).equals(name)).toList();
            if (matched.isEmpty()) {
                throw new ConfigException("COMFYUI_DRAIN names a server that is not in COMFYUI_URLS: " + name);
            }
            matched.stream().filter(u -> !out.contains(u)).forEach(out::add);
        }
        return out;
    }

    private static String entryName(String entry) {
        try {
            URI u = new URI(entry);
            if (u.getScheme() == null || u.getHost() == null) {
                throw new ConfigException("COMFYUI_DRAIN entries are server URLs as in COMFYUI_URLS; one has no scheme or host");
            }
            return nameOf(u);
        } catch (URISyntaxException e) {
            throw new ConfigException("COMFYUI_DRAIN entries are server URLs as in COMFYUI_URLS; one is not a valid URL");
        }
    }

    /** A base URL without a trailing slash, so that it compares equal to the one recorded on jobs. */
    static URI normalize(URI u) {
        String s = u.toString();
        return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    }

    @Override
    public String toString() {
        return "ComfyUiSettings[servers=" + servers + ", header=" + header
                + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout + ", drained=" + drained.stream().map(ComfyUiSettings::nameOf).toList() + "]";
    }
}
