package com.comfyjobs.functions.wiring;

import com.comfyjobs.config.ConfigException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The value of the secret REDIS_URL_SECRET_ARN names: the Redis URL itself (Upstash hands one out),
 * or JSON with a "url" field, as teams often keep several values in one secret.
 */
final class RedisUrlSecret {
    private RedisUrlSecret() {
    }

    static String url(String secretValue) {
        String v = secretValue.trim();
        if (v.startsWith("{")) {
            try {
                JsonNode url = new ObjectMapper().readTree(v).get("url");
                if (url != null && url.isTextual()) {
                    return url.asText();
                }
            } catch (Exception e) {
                throw new ConfigException("REDIS_URL_SECRET_ARN: the secret is JSON but not valid");
            }
            throw new ConfigException("REDIS_URL_SECRET_ARN: the secret is JSON without a \"url\" string");
        }
        return v;
    }
}
