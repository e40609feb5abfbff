package com.comfyjobs.live;

import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.live.redis.RedisLiveConnections;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.RedisClusterNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/** The connections contract on one redis-server and on a three-master cluster (each connection's keys in its own slot). */
class RedisLiveConnectionsIT {
    private static RedisNode redis;
    private static RedisClusterNodes cluster;
    private static RedisConnection standalone;
    private static RedisConnection clustered;

    @BeforeAll
    static void start() {
        redis = RedisNode.standalone();
        cluster = RedisClusterNodes.start(3);
        standalone = new RedisConnection(RedisSettings.of(redis.uri(), false));
        clustered = new RedisConnection(RedisSettings.of(cluster.uri(), true));
    }

    @AfterAll
    static void stop() {
        standalone.close();
        clustered.close();
        cluster.close();
        redis.close();
    }

    @Nested
    class OnOneNode extends LiveConnectionsContract {
        @Override
        protected LiveConnections connections() {
            return new RedisLiveConnections(standalone);
        }
    }

    @Nested
    class OnACluster extends LiveConnectionsContract {
        @Override
        protected LiveConnections connections() {
            return new RedisLiveConnections(clustered);
        }
    }
}
