package com.comfyjobs.functions.wiring;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.FreePorts;
import com.comfyjobs.servers.RedisNode;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What a SnapStart checkpoint does with a configuration Redis refuses, and with Redis out of reach. */
class SnapStartHooksIT {
    private static RedisNode redis;

    @BeforeAll
    static void start() {
        redis = RedisNode.standalone();
        redis.start();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    @Test
    void aShardCountTheDataWasNotWrittenWithFailsTheCheckpoint() {
        String prefix = "snap" + System.nanoTime();
        try (RedisJobStore written = RedisJobStore.connect(RedisSettings.of(redis.uri(), false).withKeyPrefix(prefix).withShards(16))) {
            new SnapStartHooks(written).beforeCheckpoint(null);
        }
        try (RedisJobStore other = RedisJobStore.connect(RedisSettings.of(redis.uri(), false).withKeyPrefix(prefix).withShards(8))) {
            ConfigException e = assertThrows(ConfigException.class, () -> new SnapStartHooks(other).beforeCheckpoint(null));
            assertTrue(e.getMessage().contains("REDIS_SHARDS"), e.getMessage());
        }
    }

    @Test
    void anUnreachableRedisOnlyCostsTheWarmUp() {
        URI nowhere = URI.create("redis://127.0.0.1:" + FreePorts.any());
        try (RedisJobStore store = RedisJobStore.connect(RedisSettings.of(nowhere, false)
                .withTimeouts(Duration.ofMillis(200), Duration.ofMillis(300)))) {
            assertDoesNotThrow(() -> new SnapStartHooks(store).beforeCheckpoint(null));
        }
    }
}
