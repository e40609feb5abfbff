package com.comfyjobs.templates;

import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.templates.redis.RedisTemplateStore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** The template store contract on one real redis-server. */
class RedisTemplateStoreIT extends TemplateStoreContract {
    private static final AtomicInteger PREFIX = new AtomicInteger();
    private static RedisNode redis;
    private RedisConnection connection;

    @BeforeAll
    static void startRedis() {
        redis = RedisNode.standalone();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    protected TemplateStore newStore() {
        connection = new RedisConnection(RedisSettings.of(redis.uri(), false).withKeyPrefix("tt" + PREFIX.incrementAndGet()));
        return new RedisTemplateStore(connection);
    }

    @AfterEach
    void disconnect() {
        connection.close();
    }
}
