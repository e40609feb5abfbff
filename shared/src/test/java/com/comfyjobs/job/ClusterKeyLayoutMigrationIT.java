package com.comfyjobs.job;

import com.comfyjobs.testing.RedisClusterNodes;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The layout migration, unchanged, on a three-master Redis Cluster: its scan visits every master. */
class ClusterKeyLayoutMigrationIT extends KeyLayoutMigrationContract {
    private static RedisClusterNodes cluster;
    private static RedisClusterClient client;
    private static StatefulRedisClusterConnection<String, String> connection;

    @BeforeAll
    static void start() {
        cluster = RedisClusterNodes.start(3);
        client = RedisClusterClient.create(RedisURI.create(cluster.uri()));
        connection = client.connect();
    }

    @AfterAll
    static void stop() {
        connection.close();
        client.shutdown();
        cluster.close();
    }

    @Override
    protected URI redis() {
        return cluster.uri();
    }

    @Override
    protected boolean cluster() {
        return true;
    }

    @Override
    protected RedisClusterCommands<String, String> raw() {
        return connection.sync();
    }
}
