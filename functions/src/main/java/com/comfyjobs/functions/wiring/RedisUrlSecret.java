package com.comfyjobs.functions.wiring;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import com.comfyjobs.secrets.Secret;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The value of the secret REDIS_URL_SECRET_ARN names: the Redis URL itself (Upstash hands one out),
 * or JSON with a "url" field, as teams often keep several values in one secret.
 */
final class RedisUrlSecret {
    private static final String VARIABLE = "REDIS_URL_SECRET_ARN";

    private RedisUrlSecret() {
    }

    /** The URL in the secret's current value, asked for each time a Redis connection is opened. */
    static Supplier<URI> reading(Secret secret) {
        return () -> url(secret.get());
    }

    static URI url(String secretValue) {
        String v = secretValue.trim();
        if (v.startsWith("{")) {
            JsonNode url;
            try {
                url = new ObjectMapper().readTree(v).get("url");
            } catch (Exception e) {
                throw new ConfigException(VARIABLE + ": the secret is JSON but not valid");
            }
            if (url == null || !url.isTextual()) {
                throw new ConfigException(VARIABLE + ": the secret is JSON without a \"url\" string");
            }
            v = url.asText();
        }
        return new Env(Map.of(VARIABLE, v)).uri(VARIABLE, null, "redis", "rediss");
    }
}
