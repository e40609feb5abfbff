package com.comfyjobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.JobFixtures;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store contract on one real redis-server. */
class RedisJobStoreIT extends JobStoreContract {
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

    @Test
    void onlyTheShardsWithAStaleJobOnePastRetentionOrAnEndToSettleAreListed() {
        Instant t0 = JobFixtures.now().minusSeconds(3600);
        Job stale = store.create(JobFixtures.newJob(JobFixtures.user(), t0)).job();
        Job ended = store.create(JobFixtures.newJob(JobFixtures.user(), t0)).job();
        store.updateStatus(ended.id(), JobStatus.FAILED, t0.plusSeconds(10));

        assertEquals(Set.of(), store.shardsWithWork(t0.minusSeconds(1), t0, t0), "nothing quiet that long, nothing ended before");
        assertEquals(Set.of(store.shardOf(stale.id())), store.shardsWithWork(t0.plusSeconds(1), t0, t0));
        assertEquals(Set.of(store.shardOf(stale.id()), store.shardOf(ended.id())), store.shardsWithWork(t0.plusSeconds(1), t0.plusSeconds(11), t0));
        assertEquals(Set.of(store.shardOf(ended.id())), store.shardsWithWork(t0.minusSeconds(1), t0, t0.plusSeconds(11)),
                "an end past the shard's usage cursor: recovery may have its usage to count");
        store.settleUsage(store.shardOf(ended.id()), t0.plusSeconds(11), 500);
        assertEquals(Set.of(), store.shardsWithWork(t0.minusSeconds(1), t0, t0.plusSeconds(11)), "settled: the cursor moved past it");
    }

    @Override
    protected JobStore newStore() {
        return RedisJobStore.connect(RedisSettings.of(redis.uri(), false).withKeyPrefix("t" + PREFIX.incrementAndGet()));
    }
}
