package com.comfyjobs.functions.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The Redis URL secret: the URL itself or JSON with "url"; anything else names REDIS_URL_SECRET_ARN and shows no password. */
class RedisUrlSecretTest {
    @Test
    void theUrlOrJsonWithAUrl() {
        assertEquals(URI.create("rediss://default:pw@eu1.upstash.io:6379"), RedisUrlSecret.url(" rediss://default:pw@eu1.upstash.io:6379\n"));
        assertEquals(URI.create("rediss://u:p@cache:6379"),
                RedisUrlSecret.url("{\"url\": \"rediss://u:p@cache:6379\", \"token\": \"other value\"}"));
    }

    @Test
    void anythingElseNamesTheVariableAndNeverThePassword() {
        fails("REDIS_URL_SECRET_ARN: the secret is JSON but not valid", "{\"url\": ");
        fails("REDIS_URL_SECRET_ARN: the secret is JSON without a \"url\" string", "{\"host\": \"cache\", \"password\": \"hunter2\"}");
        fails("REDIS_URL_SECRET_ARN: the secret is JSON without a \"url\" string", "{\"url\": 6379}");
        ConfigException scheme = fails("REDIS_URL_SECRET_ARN must use redis or rediss://", "https://u:hunter2@cache:6379");
        assertFalse(scheme.getMessage().contains("hunter2"), scheme.getMessage());
        fails("REDIS_URL_SECRET_ARN has no host", "redis:///0");
    }

    private static ConfigException fails(String messageStart, String secretValue) {
        ConfigException e = assertThrows(ConfigException.class, () -> RedisUrlSecret.url(secretValue));
        assertTrue(e.getMessage().startsWith(messageStart), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        return e;
    }
}
