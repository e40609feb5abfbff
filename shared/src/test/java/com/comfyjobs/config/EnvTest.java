package com.comfyjobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.secrets.Secrets;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Configuration fails at start with a message that names the variable to fix. */
class EnvTest {
    private static void failsNaming(String variable, Map<String, String> vars, Runnable read) {
        ConfigException e = assertThrows(ConfigException.class, read::run);
        assertTrue(e.getMessage().startsWith(variable), e.getMessage());
    }

    @Test
    void jobStoreType() {
        assertEquals(JobStoreType.REDIS, JobStoreType.fromEnv(new Env(Map.of())));
        assertEquals(JobStoreType.MEMORY, JobStoreType.fromEnv(new Env(Map.of("JOB_STORE_TYPE", "memory"))));
        assertEquals(JobStoreType.SQLITE, JobStoreType.fromEnv(new Env(Map.of("JOB_STORE_TYPE", " sqlite "))));
        failsNaming("JOB_STORE_TYPE", null, () -> JobStoreType.fromEnv(new Env(Map.of("JOB_STORE_TYPE", "postgres"))));
        assertEquals(JobStoreType.REDIS, JobStoreType.fromEnv(new Env(Map.of("JOB_STORE_TYPE", "Redis"))));
        JobStoreType.requireRedis(new Env(Map.of("JOB_STORE_TYPE", "redis")), "a test");
        failsNaming("JOB_STORE_TYPE", null, () -> JobStoreType.requireRedis(new Env(Map.of("JOB_STORE_TYPE", "memory")), "a test"));
        failsNaming("JOB_STORE_TYPE", null, () -> JobStoreType.requireRedis(new Env(Map.of("JOB_STORE_TYPE", "sqlite")), "a test"));
    }

    @Test
    void redisSettings() {
        RedisSettings d = RedisSettings.fromEnv(new Env(Map.of()));
        assertEquals(URI.create("redis://127.0.0.1:6379"), d.url());
        assertTrue(d.connectTimeout().compareTo(Duration.ofSeconds(1)) <= 0);
        assertTrue(d.commandTimeout().compareTo(Duration.ofSeconds(2)) <= 0);
        failsNaming("REDIS_URL", null, () -> RedisSettings.fromEnv(new Env(Map.of("REDIS_URL", "http://x"))));
        failsNaming("REDIS_SHARDS", null, () -> RedisSettings.fromEnv(new Env(Map.of("REDIS_SHARDS", "0"))));
        failsNaming("REDIS_SHARDS", null, () -> RedisSettings.fromEnv(new Env(Map.of("REDIS_SHARDS", "many"))));
        failsNaming("REDIS_CLUSTER", null, () -> RedisSettings.fromEnv(new Env(Map.of("REDIS_CLUSTER", "maybe"))));
        failsNaming("REDIS_COMMAND_TIMEOUT_MS", null, () -> RedisSettings.fromEnv(new Env(Map.of("REDIS_COMMAND_TIMEOUT_MS", "-5"))));
        assertEquals(3, d.reconnectAfterTimeouts());
        assertEquals(Duration.ofSeconds(60), d.topologyRefresh());
        assertEquals(1_000_000, d.maxRequestBytes());
        RedisSettings set = RedisSettings.fromEnv(new Env(Map.of("REDIS_RECONNECT_AFTER_TIMEOUTS", "1",
                "REDIS_TOPOLOGY_REFRESH_SECONDS", "3600", "REDIS_MAX_REQUEST_BYTES", "65536")));
        assertEquals(1, set.reconnectAfterTimeouts());
        assertEquals(Duration.ofHours(1), set.topologyRefresh());
        assertEquals(65536, set.maxRequestBytes());
        failsNaming("REDIS_RECONNECT_AFTER_TIMEOUTS", null,
                () -> RedisSettings.fromEnv(new Env(Map.of("REDIS_RECONNECT_AFTER_TIMEOUTS", "0"))));
        failsNaming("REDIS_RECONNECT_AFTER_TIMEOUTS", null,
                () -> RedisSettings.fromEnv(new Env(Map.of("REDIS_RECONNECT_AFTER_TIMEOUTS", "101"))));
        failsNaming("REDIS_TOPOLOGY_REFRESH_SECONDS", null,
                () -> RedisSettings.fromEnv(new Env(Map.of("REDIS_TOPOLOGY_REFRESH_SECONDS", "4"))));
        failsNaming("REDIS_TOPOLOGY_REFRESH_SECONDS", null,
                () -> RedisSettings.fromEnv(new Env(Map.of("REDIS_TOPOLOGY_REFRESH_SECONDS", "soon"))));
        failsNaming("REDIS_MAX_REQUEST_BYTES", null,
                () -> RedisSettings.fromEnv(new Env(Map.of("REDIS_MAX_REQUEST_BYTES", "65535"))));
        failsNaming("REDIS_MAX_REQUEST_BYTES", null,
                () -> RedisSettings.fromEnv(new Env(Map.of("REDIS_MAX_REQUEST_BYTES", "536870913"))));
        failsNaming("REDIS_RECONNECT_AFTER_TIMEOUTS", null, () -> d.withReconnectAfterTimeouts(0));
        failsNaming("REDIS_TOPOLOGY_REFRESH_SECONDS", null, () -> d.withTopologyRefresh(Duration.ofHours(2)));
        failsNaming("REDIS_MAX_REQUEST_BYTES", null, () -> d.withMaxRequestBytes(1024));
    }

    @Test
    void credentialsNeverShowInMessages() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> RedisSettings.fromEnv(new Env(Map.of("REDIS_URL", "http://user:hunter2@host:6379"))));
        assertTrue(!e.getMessage().contains("hunter2"), e.getMessage());
        assertTrue(!RedisSettings.fromEnv(new Env(Map.of("REDIS_URL", "rediss://u:hunter2@h:6379"))).toString().contains("hunter2"));
    }

    private static ComfyUiSettings comfyUi(Map<String, String> vars) {
        Env env = new Env(vars);
        return ComfyUiSettings.fromEnv(env, Secrets.fromEnv(env, Clock.systemUTC()));
    }

    @Test
    void comfyUiSettings() {
        ComfyUiSettings s = comfyUi(Map.of("COMFYUI_URLS", "http://a:8188/, https://b", "COMFYUI_HEADER", "Authorization: Bearer t0ken"));
        assertEquals(2, s.servers().size());
        assertEquals(URI.create("http://a:8188"), s.servers().get(0));
        assertEquals(Map.entry("Authorization", "Bearer t0ken"), s.header().current().orElseThrow());
        assertTrue(!s.toString().contains("t0ken"));
        assertTrue(comfyUi(Map.of()).header().current().isEmpty());
        failsNaming("COMFYUI_HEADER", null, () -> comfyUi(Map.of("COMFYUI_HEADER", "no colon")));
        failsNaming("COMFYUI_HEADER", null, () -> comfyUi(Map.of("COMFYUI_HEADER", "Authorization:")));
        failsNaming("COMFYUI_URLS", null, () -> comfyUi(Map.of("COMFYUI_URLS", "ftp://x")));
    }

    @Test
    void serviceSettings() {
        ServiceSettings s = ServiceSettings.defaults();
        assertEquals(10, s.maxActiveJobs());
        assertEquals(3, s.maxAttempts());
        assertEquals(Duration.ofHours(2), s.maxRuntime(com.comfyjobs.job.JobType.LORA_TRAINING));
        failsNaming("MAX_RUNTIME_OTHER", null, () -> ServiceSettings.fromEnv(new Env(Map.of("MAX_RUNTIME_OTHER", "10 minutes"))));
        failsNaming("MAX_ACTIVE_JOBS_PER_USER", null, () -> ServiceSettings.fromEnv(new Env(Map.of("MAX_ACTIVE_JOBS_PER_USER", "0"))));
    }

    @Test
    void aKeyThatWouldOutliveItsJobIsRefusedAtStart() {
        ConfigException key = assertThrows(ConfigException.class, () -> ServiceSettings.fromEnv(new Env(Map.of(
                "IDEMPOTENCY_TTL_HOURS", "48", "JOB_RETENTION_HOURS", "24"))));
        assertTrue(key.getMessage().contains("IDEMPOTENCY_TTL_HOURS") && key.getMessage().contains("JOB_RETENTION_HOURS"), key.getMessage());
        ConfigException dedupe = assertThrows(ConfigException.class, () -> ServiceSettings.fromEnv(new Env(Map.of(
                "DEDUPE_IDENTICAL_SECONDS", "7200", "JOB_RETENTION_HOURS", "1", "IDEMPOTENCY_TTL_HOURS", "1"))));
        assertTrue(dedupe.getMessage().contains("DEDUPE_IDENTICAL_SECONDS") && dedupe.getMessage().contains("JOB_RETENTION_HOURS"),
                dedupe.getMessage());
        ServiceSettings equal = ServiceSettings.fromEnv(new Env(Map.of("IDEMPOTENCY_TTL_HOURS", "48", "JOB_RETENTION_HOURS", "48",
                "DEDUPE_IDENTICAL_SECONDS", "3600")));
        assertEquals(Duration.ofHours(48), equal.idempotencyTtl());
    }

    @Test
    void theCallbackRetryScheduleIsReadAndMustEndBeforeTheJobIsForgotten() {
        assertEquals(List.of(Duration.ofSeconds(5), Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2),
                Duration.ofHours(6), Duration.ofHours(12)), ServiceSettings.defaults().callbackRetries());
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)),
                ServiceSettings.fromEnv(new Env(Map.of("CALLBACK_RETRY_SCHEDULE", " 1s, 2s"))).callbackRetries());
        for (String bad : new String[] {"5", "5s,,1m", "1d", "0s", "-5s", "25h", "1.5m", "5s,".repeat(21) + "5s"}) {
            failsNaming("CALLBACK_RETRY_SCHEDULE", null, () -> ServiceSettings.fromEnv(new Env(Map.of("CALLBACK_RETRY_SCHEDULE", bad))));
        }
        ConfigException longer = assertThrows(ConfigException.class, () -> ServiceSettings.fromEnv(new Env(Map.of(
                "CALLBACK_RETRY_SCHEDULE", "5s,1m,5m,30m,2h,6h,12h", "JOB_RETENTION_HOURS", "20", "IDEMPOTENCY_TTL_HOURS", "20"))));
        assertTrue(longer.getMessage().contains("CALLBACK_RETRY_SCHEDULE") && longer.getMessage().contains("JOB_RETENTION_HOURS"),
                longer.getMessage());
        assertEquals(Duration.ofHours(1), ServiceSettings.fromEnv(new Env(Map.of("CALLBACK_RETRY_SCHEDULE", "10m,20m", "JOB_RETENTION_HOURS", "1",
                "IDEMPOTENCY_TTL_HOURS", "1"))).retention(), "a schedule that ends within retention is accepted");
    }

    @Test
    void requiredVariables() {
        failsNaming("ARTIFACT_BUCKET", null, () -> new Env(Map.of()).required("ARTIFACT_BUCKET"));
        failsNaming("ARTIFACT_BUCKET", null,
                () -> com.comfyjobs.artifacts.ArtifactSettings.fromEnv(new Env(Map.of("ARTIFACT_BUCKET", "Bad_Bucket"))));
    }
}
