package com.comfyjobs.callbacks;

import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The drainers' race on one real redis-server: each container its own connection. */
class CallbackDrainersRaceIT extends CallbackDrainersRaceContract {
    private static final AtomicInteger PREFIX = new AtomicInteger();
    private static RedisNode node;

    @BeforeAll
    static void start() {
        node = RedisNode.standalone();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Override
    protected Supplier<JobStore> freshStore() {
        RedisSettings redis = RedisSettings.of(node.uri(), false).withKeyPrefix("cbrace" + PREFIX.incrementAndGet());
        return () -> RedisJobStore.connect(redis);
    }
}
