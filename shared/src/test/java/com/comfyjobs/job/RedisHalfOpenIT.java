package com.comfyjobs.job;

import static com.comfyjobs.testing.JobFixtures.newJob;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.RedisClusterNodes;
import com.comfyjobs.testing.TcpProxy;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Redis fails over to a machine that never tells the client: the old connection neither answers
 * nor closes (no TCP reset), as a black-holing proxy plays it. Left alone, a client would time out
 * on that socket until the kernel gives up on it, minutes later. The store must take the silence
 * for a dead connection, open a new one, and answer normally soon after Redis is reachable again.
 */
class RedisHalfOpenIT {
    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(400);
    private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(300);
    /** The promise: this soon after Redis is reachable again, calls succeed. */
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(30);

    @Test
    void aBlackHoledConnectionIsReplacedOnceRedisIsReachable() {
        try (RedisNode redis = RedisNode.standalone();
             TcpProxy proxy = new TcpProxy(redis.uri());
             RedisJobStore store = RedisJobStore.connect(RedisSettings.of(proxy.endpoint(), false)
                     .withTimeouts(CONNECT_TIMEOUT, COMMAND_TIMEOUT))) {
            Job j = store.create(newJob("u", JobFixtures.now())).job();
            int before = proxy.connectionsAccepted();

            proxy.blackhole();
            for (int i = 0; i < 3; i++) {
                assertThrows(StateStoreUnavailableException.class, () -> store.findById(j.id()));
            }
            proxy.restore();

            assertEquals(j.id(), withinRecoveryBound(() -> store.findById(j.id()).orElseThrow()).id());
            assertTrue(proxy.connectionsAccepted() > before, "a new connection replaced the black-holed one");
        }
    }

    @Test
    void aBlackHoledClusterIsReconnectedOnceItIsReachable() {
        try (RedisClusterNodes cluster = RedisClusterNodes.behindProxies(3);
             RedisJobStore store = RedisJobStore.connect(RedisSettings.of(cluster.uri(), true)
                     .withTimeouts(CONNECT_TIMEOUT, COMMAND_TIMEOUT))) {
            // one job touches two of the three nodes at most: the black hole also meets a node's first connection
            Job j = store.create(newJob("u", JobFixtures.now())).job();

            cluster.proxies().forEach(TcpProxy::blackhole);
            for (int i = 0; i < 3; i++) {
                assertThrows(StateStoreUnavailableException.class, store::countByStatus);
            }
            cluster.proxies().forEach(TcpProxy::restore);

            assertEquals(1L, withinRecoveryBound(() -> store.countByStatus().get(JobStatus.QUEUED)));
            assertTrue(store.findById(j.id()).isPresent());
        }
    }

    private static <T> T withinRecoveryBound(Supplier<T> call) {
        long deadline = System.nanoTime() + RECOVERY_BOUND.toNanos();
        while (true) {
            try {
                return call.get();
            } catch (StateStoreUnavailableException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("still unavailable " + RECOVERY_BOUND.toSeconds() + " s after Redis was reachable", e);
                }
            }
        }
    }
}
