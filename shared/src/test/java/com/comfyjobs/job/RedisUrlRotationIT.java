package com.comfyjobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.secrets.SecretUnavailableException;
import com.comfyjobs.servers.RedisNode;
import java.net.URI;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The Redis URL may come from a secret that gets rotated: the connection asks for it each time it opens
 * a connection, keeps the one it has until then, and takes an unreadable URL for Redis being unavailable.
 */
class RedisUrlRotationIT {
    @Test
    void aRotatedUrlAppliesFromTheNextConnection() {
        try (RedisNode first = RedisNode.standalone(); RedisNode second = RedisNode.standalone()) {
            AtomicReference<URI> url = new AtomicReference<>(first.uri());
            try (RedisConnection redis = new RedisConnection(RedisSettings.of(first.uri(), false), url::get)) {
                redis.await(redis.commands().set("who", "first"));
                url.set(second.uri());
                assertEquals("first", redis.await(redis.commands().get("who")), "the open connection stays where it is");
                redis.disconnect();
                assertEquals(null, redis.await(redis.commands().get("who")), "the next connection goes to the rotated URL");
                redis.await(redis.commands().set("who", "second"));
            }
            try (RedisConnection direct = new RedisConnection(RedisSettings.of(second.uri(), false))) {
                assertEquals("second", direct.await(direct.commands().get("who")));
            }
        }
    }

    @Test
    void anUnreadableUrlIsRedisUnavailableNamingTheVariable() {
        try (RedisNode node = RedisNode.standalone()) {
            AtomicBoolean unreadable = new AtomicBoolean(true);
            try (RedisConnection redis = new RedisConnection(RedisSettings.of(node.uri(), false), () -> {
                if (unreadable.get()) {
                    throw new SecretUnavailableException("REDIS_URL_SECRET_ARN: Secrets Manager could not be reached", null);
                }
                return node.uri();
            })) {
                StateStoreUnavailableException e = assertThrows(StateStoreUnavailableException.class, redis::commands);
                assertTrue(e.getMessage().contains("REDIS_URL_SECRET_ARN"), e.getMessage());
                unreadable.set(false);
                assertEquals("PONG", redis.await(redis.commands().ping()));
            }
        }
    }
}
