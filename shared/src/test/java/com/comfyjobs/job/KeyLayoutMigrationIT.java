package com.comfyjobs.job;

import com.comfyjobs.servers.RedisNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The layout migration on one real redis-server. */
class KeyLayoutMigrationIT extends KeyLayoutMigrationContract {
    private static RedisNode redis;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;

    @BeforeAll
    static void start() {
        redis = RedisNode.standalone();
        client = RedisClient.create(redis.uri().toString());
        connection = client.connect();
    }

    @AfterAll
    static void stop() {
        connection.close();
        client.shutdown();
        redis.close();
    }

    @Override
    protected URI redis() {
        return redis.uri();
    }

    @Override
    protected boolean cluster() {
        return false;
    }

    @Override
    protected RedisClusterCommands<String, String> raw() {
        return connection.sync();
    }
}
