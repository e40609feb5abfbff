package com.comfyjobs.job;

import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The concurrency contract on one real redis-server. */
class RedisJobStoreConcurrencyIT extends JobStoreConcurrencyContract {
    private static final AtomicInteger PREFIX = new AtomicInteger();
    private static RedisNode redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisNode.standalone();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    protected JobStore newStore() {
        return RedisJobStore.connect(RedisSettings.of(redis.uri(), false).withKeyPrefix("race" + PREFIX.incrementAndGet()));
    }
}
