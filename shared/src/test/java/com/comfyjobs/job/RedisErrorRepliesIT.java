package com.comfyjobs.job;

import static com.comfyjobs.testing.JobFixtures.newJob;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.TcpProxy;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real redis-server answering errors: the ones that waiting cures come out as an outage
 * (StateStoreUnavailableException, 503), every other one as StateStoreErrorException (500) with the
 * Redis text for the logs.
 */
class RedisErrorRepliesIT {
    private static RedisNode redis;
    private static RedisClient rawClient;
    private static StatefulRedisConnection<String, String> rawConnection;
    private RedisCommands<String, String> raw;
    private RedisJobStore store;

    @BeforeAll
    static void start() {
        redis = RedisNode.standalone();
        rawClient = RedisClient.create(redis.uri().toString());
        rawConnection = rawClient.connect();
    }

    @AfterAll
    static void stop() {
        rawConnection.close();
        rawClient.shutdown();
        redis.close();
    }

    @BeforeEach
    void open() {
        raw = rawConnection.sync();
        raw.flushall();
        store = RedisJobStore.connect(RedisSettings.of(redis.uri(), false));
    }

    @AfterEach
    void close() {
        raw.configSet("maxmemory", "0");
        store.close();
    }

    @Test
    void aFullMemoryIsAnErrorNotAnOutage() {
        Job kept = store.create(newJob("u", JobFixtures.now())).job();
        raw.configSet("maxmemory-policy", "noeviction");
        raw.configSet("maxmemory", "1");

        StateStoreErrorException e = assertThrows(StateStoreErrorException.class, () -> store.create(newJob("u", JobFixtures.now())));
        assertTrue(e.getMessage().contains("OOM"), e.getMessage());
        assertTrue(store.findById(kept.id()).isPresent(), "reads still work");
    }

    @Test
    void aWrongTypeIsAnError() {
        RedisConnection c = store.connection();
        raw.set("not-a-hash", "x");
        StateStoreErrorException e = assertThrows(StateStoreErrorException.class, () -> c.await(c.commands().hgetall("not-a-hash")));
        assertTrue(e.getMessage().contains("WRONGTYPE"), e.getMessage());
    }

    @Test
    void aScriptThatFailsIsAnError() {
        RedisConnection c = store.connection();
        StateStoreErrorException e = assertThrows(StateStoreErrorException.class,
                () -> c.await(c.commands().eval("return nil + 1", ScriptOutputType.VALUE)));
        assertTrue(e.getMessage().contains("user_script"), e.getMessage());
    }

    @Test
    void aScriptRunningPastItsTimeLimitIsAPassingOutage() throws Exception {
        Job j = store.create(newJob("u", JobFixtures.now())).job();
        raw.configSet("lua-time-limit", "50");
        try (RawConnection busy = new RawConnection(); RawConnection probe = new RawConnection()) {
            RedisFuture<String> loop = busy.connection.async().eval("while true do end", ScriptOutputType.STATUS);
            awaitBusy(probe);

            StateStoreUnavailableException e = assertThrows(StateStoreUnavailableException.class, () -> store.findById(j.id()));
            assertTrue(e.getMessage().contains("BUSY"), e.getMessage());

            probe.connection.sync().scriptKill();
            assertThrows(ExecutionException.class, loop::get);
            assertTrue(store.findById(j.id()).isPresent());
        } finally {
            raw.configSet("lua-time-limit", "5000");
        }
    }

    @Test
    void aReplicaIsAPassingOutageAndItsConnectionIsReplaced() {
        try (TcpProxy proxy = new TcpProxy(redis.uri());
             RedisJobStore viaProxy = RedisJobStore.connect(RedisSettings.of(proxy.endpoint(), false))) {
            Job j = viaProxy.create(newJob("u", JobFixtures.now())).job();
            int connections = proxy.connectionsAccepted();
            // a primary turned replica, as in a failover; its replication link never comes up
            raw.replicaof("127.0.0.1", 1);
            try {
                StateStoreUnavailableException e = assertThrows(StateStoreUnavailableException.class,
                        () -> viaProxy.create(newJob("u", JobFixtures.now())));
                assertTrue(e.getMessage().contains("READONLY"), e.getMessage());
            } finally {
                raw.replicaofNoOne();
            }
            assertTrue(viaProxy.findById(j.id()).isPresent());
            assertEquals(connections + 1, proxy.connectionsAccepted(), "the next command came over a new connection");
        }
    }

    /** Polls until Redis answers BUSY: the script runs past its time limit. */
    private static void awaitBusy(RawConnection probe) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                probe.connection.sync().ping();
            } catch (RuntimeException e) {
                if (String.valueOf(e.getMessage()).startsWith("BUSY")) {
                    return;
                }
                throw e;
            }
            assertTrue(System.nanoTime() < deadline, "the script never ran past its time limit");
            Thread.sleep(10);
        }
    }

    /** A plain lettuce connection of its own, outside the store. */
    private static final class RawConnection implements AutoCloseable {
        final StatefulRedisConnection<String, String> connection = rawClient.connect();

        @Override
        public void close() {
            connection.close();
        }
    }
}
