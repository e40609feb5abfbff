package com.comfyjobs.callbacks;

import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.testing.RedisClusterNodes;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The drainers' race on a three-master Redis Cluster: each container its own cluster connection. */
class ClusterCallbackDrainersRaceIT extends CallbackDrainersRaceContract {
    private static final AtomicInteger PREFIX = new AtomicInteger();
    private static RedisClusterNodes cluster;

    @BeforeAll
    static void start() {
        cluster = RedisClusterNodes.start(3);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Override
    protected Supplier<JobStore> freshStore() {
        RedisSettings redis = RedisSettings.of(cluster.uri(), true).withKeyPrefix("cbrace" + PREFIX.incrementAndGet());
        return () -> RedisJobStore.connect(redis);
    }
}
