package com.comfyjobs.job;

import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.testing.RedisClusterNodes;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The concurrency contract on a three-master Redis Cluster of real redis-server processes. */
class RedisClusterJobStoreConcurrencyIT extends JobStoreConcurrencyContract {
    private static final AtomicInteger PREFIX = new AtomicInteger();
    private static RedisClusterNodes cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterNodes.start(3);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Override
    protected JobStore newStore() {
        return RedisJobStore.connect(RedisSettings.of(cluster.uri(), true).withKeyPrefix("race" + PREFIX.incrementAndGet()));
    }
}
