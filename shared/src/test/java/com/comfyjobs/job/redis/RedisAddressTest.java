package com.comfyjobs.job.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisAddressTest {
    private static URI of(Map<String, String> vars) {
        return RedisAddress.fromEnv(new Env(vars));
    }

    @Test
    void withoutEitherFormItIsTheLocalDefault() {
        assertEquals(URI.create("redis://127.0.0.1:6379"), of(Map.of()));
        assertEquals(URI.create("rediss://u:p@cache.example.com:6380"), of(Map.of("REDIS_URL", "rediss://u:p@cache.example.com:6380")));
    }

    @Test
    void thePartsMakeTheUrlTheConnectionTakesWithAnyPasswordQuoted() {
        assertEquals(URI.create("redis://db.internal:6379"), of(Map.of("REDIS_HOST", "db.internal")));
        URI u = of(Map.of("REDIS_HOST", "10.0.0.5", "REDIS_PORT", "6390", "REDIS_TLS", "true", "REDIS_USERNAME", "comfyjobs",
                "REDIS_PASSWORD", "p@ss:w/rd% #é"));
        assertEquals("rediss", u.getScheme());
        assertEquals("10.0.0.5", u.getHost());
        assertEquals(6390, u.getPort());
        assertEquals("comfyjobs:p@ss:w/rd% #é", u.getUserInfo(), "decoded back exactly");
        assertTrue(u.getRawUserInfo().startsWith("comfyjobs:p%40ss:w"), u.getRawUserInfo());
        assertEquals(":secret", of(Map.of("REDIS_HOST", "h", "REDIS_PASSWORD", "secret")).getUserInfo(), "the default user's password");
        assertEquals("::1", of(Map.of("REDIS_HOST", "[::1]")).getHost().replaceAll("[\\[\\]]", ""));
    }

    @Test
    void bothFormsOrHalfAnAccountStopTheStartNamingTheVariables() {
        ConfigException both = assertThrows(ConfigException.class, () -> of(Map.of("REDIS_URL", "redis://x:6379", "REDIS_HOST", "y",
                "REDIS_PASSWORD", "secret")));
        assertTrue(both.getMessage().startsWith("REDIS_URL and REDIS_HOST, REDIS_PASSWORD are both set"), both.getMessage());
        assertTrue(!both.getMessage().contains("secret"), "no value is echoed");
        assertTrue(assertThrows(ConfigException.class, () -> of(Map.of("REDIS_PORT", "6380"))).getMessage()
                .contains("without REDIS_HOST"));
        assertTrue(assertThrows(ConfigException.class, () -> of(Map.of("REDIS_HOST", "h", "REDIS_USERNAME", "u"))).getMessage()
                .contains("REDIS_USERNAME is set without REDIS_PASSWORD"));
        assertTrue(assertThrows(ConfigException.class, () -> of(Map.of("REDIS_HOST", "h/evil"))).getMessage().startsWith("REDIS_HOST"));
        assertTrue(assertThrows(ConfigException.class, () -> of(Map.of("REDIS_HOST", "h", "REDIS_PORT", "70000"))).getMessage()
                .startsWith("REDIS_PORT"));
        assertTrue(assertThrows(ConfigException.class, () -> of(Map.of("REDIS_HOST", "h", "REDIS_TLS", "yes please"))).getMessage()
                .startsWith("REDIS_TLS"));
    }
}
