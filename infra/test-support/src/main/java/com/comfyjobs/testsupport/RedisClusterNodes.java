package com.comfyjobs.testsupport;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A Redis Cluster of real redis-server processes, masters only, assembled by hand the way
 * redis-cli --cluster create does it: each node gets an equal range of the 16384 slots with
 * CLUSTER ADDSLOTS, the nodes are introduced with CLUSTER MEET, and the cluster is ready when every
 * node reports cluster_state:ok.
 */
public final class RedisClusterNodes implements AutoCloseable {
    private static final int SLOTS = 16384;
    private final List<RedisNode> nodes = new ArrayList<>();

    private RedisClusterNodes() {
    }

    public static RedisClusterNodes start(int masters) {
        RedisClusterNodes cluster = new RedisClusterNodes();
        try {
            for (int i = 0; i < masters; i++) {
                cluster.nodes.add(RedisNode.clusterNode());
            }
            cluster.assemble();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private void assemble() {
        RedisClient client = RedisClient.create();
        try {
            List<StatefulRedisConnection<String, String>> conns = new ArrayList<>();
            for (RedisNode n : nodes) {
                conns.add(client.connect(RedisURI.create(n.uri())));
            }
            int per = SLOTS / nodes.size();
            for (int i = 0; i < nodes.size(); i++) {
                int from = i * per;
                int to = i == nodes.size() - 1 ? SLOTS : from + per;
                conns.get(i).sync().clusterAddSlots(IntStream.range(from, to).toArray());
            }
            RedisCommands<String, String> first = conns.get(0).sync();
            for (int i = 1; i < nodes.size(); i++) {
                first.clusterMeet("127.0.0.1", nodes.get(i).port());
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!allOk(conns)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Redis Cluster did not reach cluster_state:ok within 30 s");
                }
                RedisNode.sleep(50);
            }
            conns.forEach(StatefulRedisConnection::close);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private boolean allOk(List<StatefulRedisConnection<String, String>> conns) {
        for (StatefulRedisConnection<String, String> c : conns) {
            String info = c.sync().clusterInfo();
            if (!info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:" + nodes.size())) {
                return false;
            }
        }
        return true;
    }

    /** A seed URI; clients discover the other nodes from it. */
    public URI uri() {
        return nodes.get(0).uri();
    }

    public List<RedisNode> nodes() {
        return List.copyOf(nodes);
    }

    @Override
    public void close() {
        for (RedisNode n : nodes) {
            n.close();
        }
    }
}
