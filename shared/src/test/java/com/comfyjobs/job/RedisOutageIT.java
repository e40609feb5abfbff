package com.comfyjobs.job;

import static com.comfyjobs.testing.JobFixtures.newJob;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.JobFixtures;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Redis goes away mid-test: calls fail with the typed exception within the configured timeout, and
 * the same store instance works again once Redis is back, without being rebuilt.
 */
class RedisOutageIT {
    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(400);
    private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(300);
    /** The timeout plus the store's await margin plus scheduling noise on a busy 2-core machine. */
    private static final Duration BOUND = COMMAND_TIMEOUT.plusMillis(500).plusMillis(600);

    @Test
    void failsFastWhileDownAndRecoversInPlace() {
        try (RedisNode redis = RedisNode.standalone();
             RedisJobStore store = RedisJobStore.connect(RedisSettings.of(redis.uri(), false)
                     .withTimeouts(CONNECT_TIMEOUT, COMMAND_TIMEOUT))) {
            Job j = store.create(newJob("u", JobFixtures.now())).job();
            redis.stop();

            assertFailsWithinBound(() -> store.findById(j.id()));
            assertFailsWithinBound(() -> store.create(newJob("u", JobFixtures.now())));
            assertFailsWithinBound(() -> store.updateStatus(j.id(), JobStatus.RUNNING, JobFixtures.now()));
            assertFailsWithinBound(store::countByStatus);

            redis.start();
            CreateResult r = eventually(() -> store.create(newJob("u", JobFixtures.now())));
            assertEquals(CreateResult.Outcome.CREATED, r.outcome());
            assertTrue(store.findById(r.job().id()).isPresent());
        }
    }

    @Test
    void aStoreCreatedWhileRedisIsDownWorksOnceItIsUp() {
        try (RedisNode redis = RedisNode.standalone()) {
            redis.stop();
            try (RedisJobStore store = RedisJobStore.connect(RedisSettings.of(redis.uri(), false)
                    .withTimeouts(CONNECT_TIMEOUT, COMMAND_TIMEOUT))) {
                assertFailsWithinBound(() -> store.findById("any"));
                redis.start();
                assertEquals(CreateResult.Outcome.CREATED, eventually(() -> store.create(newJob("u", JobFixtures.now()))).outcome());
            }
        }
    }

    private static void assertFailsWithinBound(Runnable call) {
        long start = System.nanoTime();
        assertThrows(StateStoreUnavailableException.class, call::run);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.compareTo(BOUND) < 0, "took " + took.toMillis() + " ms, bound " + BOUND.toMillis() + " ms");
    }

    private static <T> T eventually(Supplier<T> call) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                return call.get();
            } catch (StateStoreUnavailableException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }
}
