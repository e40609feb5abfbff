package com.comfyjobs.job.redis;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

/**
 * Where Redis is: {@code REDIS_URL}, or its parts for local and one-box use, where a password is more
 * often kept on its own than inside a URL: {@code REDIS_HOST}, {@code REDIS_PORT} (6379),
 * {@code REDIS_USERNAME} (an ACL user; without it the password is the default user's),
 * {@code REDIS_PASSWORD} and {@code REDIS_TLS} (false). Either way the result is one URL, the form the
 * connection (and a URL read from Secrets Manager in AWS) takes; the parts are percent-encoded into
 * it, so a password may hold any character.
 */
final class RedisAddress {
    static final String DEFAULT_URL = "redis://127.0.0.1:6379";
    private static final List<String> PARTS = List.of("REDIS_HOST", "REDIS_PORT", "REDIS_USERNAME", "REDIS_PASSWORD", "REDIS_TLS");

    private RedisAddress() {
    }

    static URI fromEnv(Env env) {
        List<String> parts = PARTS.stream().filter(p -> env.raw(p) != null).toList();
        if (parts.isEmpty()) {
            return env.uri("REDIS_URL", DEFAULT_URL, "redis", "rediss");
        }
        if (env.raw("REDIS_URL") != null) {
            throw new ConfigException("REDIS_URL and " + String.join(", ", parts) + " are both set: give Redis either as REDIS_URL"
                    + " or as REDIS_HOST with REDIS_PORT, REDIS_USERNAME, REDIS_PASSWORD and REDIS_TLS");
        }
        String host = env.raw("REDIS_HOST");
        if (host == null) {
            throw new ConfigException(String.join(", ", parts) + " given without REDIS_HOST");
        }
        if (!host.matches("[A-Za-z0-9._-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}]")) {
            throw new ConfigException("REDIS_HOST must be a host name or an IP address (IPv6 in brackets), was '" + host + "'");
        }
        int port = env.integer("REDIS_PORT", 6379, 1, 65535);
        boolean tls = env.bool("REDIS_TLS", false);
        String username = env.raw("REDIS_USERNAME");
        String password = env.raw("REDIS_PASSWORD");
        if (username != null) {
            if (password == null) {
                throw new ConfigException("REDIS_USERNAME is set without REDIS_PASSWORD");
            }
            if (username.contains(":")) {
                throw new ConfigException("REDIS_USERNAME must not contain ':'");
            }
        }
        String userInfo = password == null ? null : (username == null ? "" : username) + ":" + password;
        try {
            // the multi-argument constructor quotes what userinfo may not hold ('@', '/', '%', spaces...)
            return new URI(tls ? "rediss" : "redis", userInfo, host.startsWith("[") ? host.substring(1, host.length() - 1) : host,
                    port, null, null, null);
        } catch (URISyntaxException e) {
            throw new ConfigException("REDIS_HOST, REDIS_PORT, REDIS_USERNAME and REDIS_PASSWORD do not form a Redis URL");
        }
    }
}
