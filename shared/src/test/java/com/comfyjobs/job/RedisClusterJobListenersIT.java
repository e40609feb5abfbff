package com.comfyjobs.job;

import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.testing.RedisClusterNodes;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The live listeners contract on a three-master Redis Cluster: the markers a transition reads sit in
 * its job's shard slot, and a listener of all of a user's jobs has one in every shard, spread over the
 * nodes.
 */
class RedisClusterJobListenersIT extends JobListenersContract {
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
        return RedisJobStore.connect(RedisSettings.of(cluster.uri(), true).withKeyPrefix("lc" + PREFIX.incrementAndGet()));
    }
}
