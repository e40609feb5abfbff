package com.comfyjobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.JobFixtures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Stale detection reads only stale jobs: 10,000 live jobs, 100 of them stale; Redis's own command
 * statistics prove the sweep read exactly 100 job hashes and ran one range query per shard.
 */
class StaleDetectionIT {
    private static final Pattern CALLS = Pattern.compile("cmdstat_(\\w+):calls=(\\d+)");

    @Test
    void sweepTouchesOnlyTheStaleJobs() throws Exception {
        try (RedisNode redis = RedisNode.standalone();
             RedisJobStore store = RedisJobStore.connect(RedisSettings.of(redis.uri(), false))) {
            Instant now = JobFixtures.now();
            Instant old = now.minusSeconds(600);
            Set<String> stale = new HashSet<>();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<String>> created = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                boolean isStale = i % 100 == 0;
                created.add(pool.submit(() -> {
                    Job j = JobFixtures.queued("user-" + (isStale ? "s" : "f"), isStale ? old : now);
                    store.create(new NewJob(j, JobFixtures.defaultWorkflow(), 100_000, null));
                    return isStale ? j.id() : null;
                }));
            }
            for (Future<String> f : created) {
                String id = f.get();
                if (id != null) {
                    stale.add(id);
                }
            }
            pool.shutdown();
            assertEquals(100, stale.size());

            RedisClient raw = RedisClient.create(redis.uri().toString());
            try (StatefulRedisConnection<String, String> c = raw.connect()) {
                c.sync().configResetstat();
                Set<String> found = new HashSet<>();
                for (int s = 0; s < store.shardCount(); s++) {
                    store.findStale(s, now.minusSeconds(90), null, 1000).jobs().forEach(j -> found.add(j.id()));
                }
                String stats = c.sync().info("commandstats");
                assertEquals(stale, found);
                assertEquals(100, calls(stats, "hgetall"), "job hashes read");
                assertEquals(store.shardCount(), calls(stats, "zrangebyscore"), "range queries");
                assertEquals(0, calls(stats, "zrange") + calls(stats, "scan") + calls(stats, "keys") + calls(stats, "hget")
                        + calls(stats, "hmget"), "no other reads");
            } finally {
                raw.shutdown();
            }
        }
    }

    private static long calls(String stats, String command) {
        Matcher m = CALLS.matcher(stats);
        while (m.find()) {
            if (m.group(1).equals(command)) {
                return Long.parseLong(m.group(2));
            }
        }
        return 0;
    }
}
