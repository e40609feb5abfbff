package com.comfyjobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.RedisClusterNodes;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Jobs per master on real clusters whose masters hold even slot ranges. Every shard gets the same
 * number of jobs (ids are drawn until it does: job ids spread over shards by CRC32 either way), so
 * what is counted is how the shards' hash tags spread over the masters.
 */
class RedisClusterShardSpreadIT {
    private static final int JOBS_PER_SHARD = 2;
    private static RedisClusterNodes three;
    private static RedisClusterNodes six;

    @BeforeAll
    static void start() {
        three = RedisClusterNodes.start(3);
        six = RedisClusterNodes.start(6);
    }

    @AfterAll
    static void stop() {
        three.close();
        six.close();
    }

    @Test
    void aFreshDeploymentsJobsSpreadEvenlyOverThreeAndOverSixMasters() {
        for (RedisClusterNodes cluster : List.of(three, six)) {
            try (RedisJobStore store = RedisJobStore.connect(RedisSettings.of(cluster.uri(), true).withKeyPrefix("spread"))) {
                assertEquals(RedisSettings.DEFAULT_SHARDS, store.shardCount());
                int[] perMaster = jobsPerMaster(cluster, store, "spread");
                int max = Arrays.stream(perMaster).max().orElseThrow();
                int min = Arrays.stream(perMaster).min().orElseThrow();
                assertTrue(min > 0 && (double) max / min <= 1.25, cluster.nodes().size() + " masters: " + Arrays.toString(perMaster));
            }
        }
    }

    @Test
    void theFirstVersionsSixteenShardsKeepTheirTagsAndLeaveMastersEmpty() {
        RedisClusterClient client = RedisClusterClient.create(six.uri().toString());
        try (StatefulRedisClusterConnection<String, String> c = client.connect()) {
            // the marker of data written before shard tags were spaced
            c.sync().set("old:{meta}:shards", "16");
        } finally {
            client.shutdown();
        }
        try (RedisJobStore store = RedisJobStore.connect(RedisSettings.of(six.uri(), true).withKeyPrefix("old"))) {
            assertEquals(16, store.shardCount(), "the marker decides while REDIS_SHARDS is unset");
            int[] perMaster = jobsPerMaster(six, store, "old");
            assertEquals(0, Arrays.stream(perMaster).min().orElseThrow(), Arrays.toString(perMaster));
        }
    }

    private static int[] jobsPerMaster(RedisClusterNodes cluster, RedisJobStore store, String prefix) {
        int[] perShard = new int[store.shardCount()];
        int created = 0;
        while (created < perShard.length * JOBS_PER_SHARD) {
            Job j = JobFixtures.queued(JobFixtures.user(), JobFixtures.now());
            int shard = store.shardOf(j.id());
            if (perShard[shard] < JOBS_PER_SHARD) {
                assertEquals(CreateResult.Outcome.CREATED, store.create(JobFixtures.newJob(j)).outcome());
                perShard[shard]++;
                created++;
            }
        }
        List<RedisNode> nodes = new ArrayList<>(cluster.nodes());
        int[] perMaster = new int[nodes.size()];
        RedisClient client = RedisClient.create();
        try {
            for (int i = 0; i < nodes.size(); i++) {
                try (StatefulRedisConnection<String, String> c = client.connect(RedisURI.create(nodes.get(i).uri()))) {
                    perMaster[i] = c.sync().keys(prefix + ":*:job:*").size();
                }
            }
        } finally {
            client.shutdown();
        }
        assertEquals(created, Arrays.stream(perMaster).sum());
        return perMaster;
    }
}
