package com.comfyjobs.testing;

import com.comfyjobs.servers.FreePorts;
import com.comfyjobs.servers.RedisNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import javax.net.ssl.SSLContext;

/**
 * A Redis Cluster of real redis-server processes, masters only, assembled by hand the way
 * redis-cli --cluster create does it: each node gets an equal range of the 16384 slots with
 * CLUSTER ADDSLOTS, the nodes are introduced with CLUSTER MEET, and the cluster is ready when every
 * node reports cluster_state:ok.
 */
public final class RedisClusterNodes implements AutoCloseable {
    private static final int SLOTS = 16384;
    private final List<RedisNode> nodes = new ArrayList<>();
    private final List<TcpProxy> proxies = new ArrayList<>();

    private RedisClusterNodes() {
    }

    public static RedisClusterNodes start(int masters) {
        RedisClusterNodes cluster = new RedisClusterNodes();
        try {
            for (int i = 0; i < masters; i++) {
                cluster.nodes.add(RedisNode.clusterNode(FreePorts.forRedis(), List.of()));
            }
            cluster.assemble();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * A cluster whose clients reach each node only through a {@link TcpProxy} of its own: every node
     * announces its proxy's port (set at start, because Redis 6.2 applies a changed
     * cluster-announce-port to the other nodes' view only), while the cluster bus stays direct.
     */
    public static RedisClusterNodes behindProxies(int masters) {
        return behindProxies(masters, null);
    }

    /**
     * {@link #behindProxies(int)} with proxies that end TLS made with {@code tls}: the cluster as a client
     * of a TLS-only service (ElastiCache with encryption in transit) sees it, every announced address a
     * TLS one.
     */
    public static RedisClusterNodes behindTlsProxies(int masters, SSLContext tls) {
        return behindProxies(masters, tls);
    }

    private static RedisClusterNodes behindProxies(int masters, SSLContext tls) {
        RedisClusterNodes cluster = new RedisClusterNodes();
        try {
            while (cluster.nodes.size() < masters) {
                int port = FreePorts.forRedis();
                TcpProxy proxy = new TcpProxy(URI.create("redis://127.0.0.1:" + port), tls);
                if (proxy.port() == port || proxy.port() == port + 10000) {
                    // the proxy took a port chosen for the node before the node could bind it
                    proxy.close();
                    continue;
                }
                cluster.proxies.add(proxy);
                cluster.nodes.add(RedisNode.clusterNode(port, List.of("cluster-announce-ip 127.0.0.1",
                        "cluster-announce-port " + proxy.port(), "cluster-announce-bus-port " + (port + 10000))));
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

    /** A seed URI (through its proxy, if the nodes have proxies); clients discover the other nodes from it. */
    public URI uri() {
        return proxies.isEmpty() ? nodes.get(0).uri() : proxies.get(0).endpoint();
    }

    public List<RedisNode> nodes() {
        return List.copyOf(nodes);
    }

    /** The proxies in front of the nodes, in node order; empty unless started {@link #behindProxies}. */
    public List<TcpProxy> proxies() {
        return List.copyOf(proxies);
    }

    @Override
    public void close() {
        for (TcpProxy p : proxies) {
            p.close();
        }
        for (RedisNode n : nodes) {
            n.close();
        }
    }
}
