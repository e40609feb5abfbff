package com.comfyjobs.templates;

import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.templates.redis.RedisTemplateStore;
import com.comfyjobs.testing.RedisClusterNodes;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** The template store contract, unchanged, on a three-master Redis Cluster of real redis-server processes. */
class RedisClusterTemplateStoreIT extends TemplateStoreContract {
    private static final AtomicInteger PREFIX = new AtomicInteger();
    private static RedisClusterNodes cluster;
    private RedisConnection connection;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterNodes.start(3);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Override
    protected TemplateStore newStore() {
        connection = new RedisConnection(RedisSettings.of(cluster.uri(), true).withKeyPrefix("ct" + PREFIX.incrementAndGet()));
        return new RedisTemplateStore(connection);
    }

    @AfterEach
    void disconnect() {
        connection.close();
    }
}
