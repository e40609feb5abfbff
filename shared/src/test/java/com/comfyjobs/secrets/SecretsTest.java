package com.comfyjobs.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import com.comfyjobs.testing.FakeSecretsManager;
import com.comfyjobs.testing.ServiceHarness.MovableClock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which variable a secret comes from, SECRETS_TTL_SECONDS, and one cache per secret. */
class SecretsTest {
    private final MovableClock clock = new MovableClock();
    private FakeSecretsManager sm;

    @BeforeEach
    void start() {
        sm = FakeSecretsManager.start();
    }

    @AfterEach
    void stop() {
        sm.close();
    }

    private Secrets secrets(Map<String, String> vars) {
        return new Secrets(new Env(vars), clock, sm::reader);
    }

    @Test
    void theSecretAnArnNamesWinsOverThePlainVariable() {
        sm.put("comfyjobs/header", "Authorization: Bearer managed");
        try (Secrets s = secrets(Map.of("COMFYUI_HEADER_SECRET_ARN", "comfyjobs/header", "COMFYUI_HEADER", "Authorization: Bearer plain"))) {
            Secret header = s.optional("COMFYUI_HEADER_SECRET_ARN", "COMFYUI_HEADER").orElseThrow();
            assertEquals("Authorization: Bearer managed", header.get());
            assertEquals("COMFYUI_HEADER_SECRET_ARN", header.variable());
        }
        try (Secrets s = secrets(Map.of("COMFYUI_HEADER", "Authorization: Bearer plain"))) {
            Secret header = s.optional("COMFYUI_HEADER_SECRET_ARN", "COMFYUI_HEADER").orElseThrow();
            assertEquals("Authorization: Bearer plain", header.get());
            assertEquals("COMFYUI_HEADER", header.variable());
            assertEquals(Optional.empty(), s.optional("POSTHOG_API_KEY_SECRET_ARN", "POSTHOG_API_KEY"));
            assertEquals(Optional.empty(), s.secret("REDIS_URL_SECRET_ARN"));
            ConfigException none = assertThrows(ConfigException.class, () -> s.required("WEBHOOK_SECRET_ARN", "WEBHOOK_SECRET"));
            assertEquals("WEBHOOK_SECRET_ARN (or, in local runs, WEBHOOK_SECRET) is required but not set", none.getMessage());
        }
    }

    @Test
    void withoutAnArnNoSecretsManagerClientIsBuilt() {
        try (Secrets s = new Secrets(new Env(Map.of("WEBHOOK_SECRET", "whsec_x")), clock, () -> {
            throw new AssertionError("a Secrets Manager client was built");
        })) {
            assertEquals("whsec_x", s.required("WEBHOOK_SECRET_ARN", "WEBHOOK_SECRET").get());
            s.invalidate();
        }
    }

    @Test
    void eachSecretHasOneCacheWhoeverAsksForIt() {
        sm.put("comfyjobs/redis", "rediss://u:p@cache:6379");
        try (Secrets s = secrets(Map.of("REDIS_URL_SECRET_ARN", "comfyjobs/redis"))) {
            Secret a = s.secret("REDIS_URL_SECRET_ARN").orElseThrow();
            assertSame(a, s.secret("REDIS_URL_SECRET_ARN").orElseThrow());
            a.get();
            s.secret("REDIS_URL_SECRET_ARN").orElseThrow().get();
            assertEquals(1, sm.reads("comfyjobs/redis"));
            s.invalidate();
            a.get();
            assertEquals(2, sm.reads("comfyjobs/redis"), "invalidate reaches every secret read so far");
        }
    }

    @Test
    void theTtlIsFiveMinutesUnlessSetAndIsChecked() {
        Map<String, String> vars = new HashMap<>(Map.of("POSTHOG_API_KEY_SECRET_ARN", "comfyjobs/posthog"));
        assertEquals(List.of("phc_1", "phc_2"), readsAcross(secrets(vars), Duration.ofSeconds(300)));
        vars.put("SECRETS_TTL_SECONDS", "60");
        assertEquals(List.of("phc_1", "phc_2"), readsAcross(secrets(vars), Duration.ofSeconds(60)));
        for (String bad : new String[] {"0", "3601", "soon"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> secrets(Map.of("SECRETS_TTL_SECONDS", bad)));
            assertTrue(e.getMessage().startsWith("SECRETS_TTL_SECONDS"), e.getMessage());
        }
    }

    /** The PostHog key just before and at {@code ttl} after a first read, rotated from phc_1 to phc_2 in between. */
    private List<String> readsAcross(Secrets s, Duration ttl) {
        try (s) {
            sm.put("comfyjobs/posthog", "phc_1");
            Secret key = s.secret("POSTHOG_API_KEY_SECRET_ARN").orElseThrow();
            key.get();
            sm.put("comfyjobs/posthog", "phc_2");
            clock.advance(ttl.minusSeconds(1));
            String before = key.get();
            clock.advance(Duration.ofSeconds(1));
            return List.of(before, key.get());
        }
    }
}
