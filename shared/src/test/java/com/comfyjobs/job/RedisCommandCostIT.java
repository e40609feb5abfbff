package com.comfyjobs.job;

import static com.comfyjobs.testing.JobFixtures.newJob;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.CommandCounter;
import com.comfyjobs.testing.JobFixtures;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What each store operation costs in Redis commands, counted on the client as they are sent. These
 * numbers are design promises (one script per state change), so a change that adds a command fails
 * here. Commands listed together are pipelined: they cost one round trip.
 */
class RedisCommandCostIT {
    private static RedisNode redis;
    private static RedisJobStore store;
    private static final CommandCounter COUNTER = new CommandCounter();

    @BeforeAll
    static void start() {
        redis = RedisNode.standalone();
        RedisConnection c = new RedisConnection(RedisSettings.of(redis.uri(), false));
        c.addListener(COUNTER);
        store = new RedisJobStore(c, Clock.systemUTC());
        store.prime();
        store.findById("warm-up");
    }

    @AfterAll
    static void stop() {
        store.close();
        redis.close();
    }

    private static Map<String, Long> cost(Runnable op) {
        COUNTER.reset();
        op.run();
        return COUNTER.snapshot();
    }

    @Test
    void admissionIsTwoScriptsAndAKeyAddsTheMarkThatItsJobWasStored() {
        assertEquals(Map.of("EVALSHA", 2L), cost(() -> store.create(newJob("u1", JobFixtures.now()))));
        Job j = JobFixtures.queued("u1", JobFixtures.now());
        assertEquals(Map.of("EVALSHA", 3L), cost(() -> store.create(JobFixtures.withKey(j, "k", "fp"))));
        assertEquals(Map.of("EVALSHA", 1L), cost(() -> store.create(JobFixtures.withKey(JobFixtures.queued("u1", JobFixtures.now()), "k", "fp"))),
                "a replay stops after the user-side script");
    }

    @Test
    void aStateChangeIsOneScriptAndTheTerminalOneAddsTheUsersIndexAndUsage() {
        Job j = store.create(newJob("u2", JobFixtures.now())).job();
        Instant t = JobFixtures.now();
        assertEquals(Map.of("EVALSHA", 1L), cost(() -> store.transition(Transition.of(j.id(), t).eventId("e1", Duration.ofMinutes(5))
                .status(JobStatus.RUNNING).graph(GraphUpdate.running("3", 1, 20)).build())));
        assertEquals(Map.of("EVALSHA", 1L), cost(() -> store.refreshHeartbeat(j.id(), 1, t)));
        assertEquals(Map.of("EVALSHA", 1L), cost(() -> store.updateStatus(j.id(), JobStatus.FINALIZING, t)));
        assertEquals(Map.of("EVALSHA", 2L), cost(() -> store.transition(Transition.of(j.id(), t).status(JobStatus.SUCCEEDED).returnJob().build())),
                "the job answered carries its GPU time for usage_end.lua");
        Job k = store.create(newJob("u2", JobFixtures.now())).job();
        assertEquals(Map.of("EVALSHA", 2L, "HGET", 1L), cost(() -> store.updateStatus(k.id(), JobStatus.FAILED, t)),
                "a terminal change that does not ask for the job reads its GPU time (every caller in the services asks)");
    }

    @Test
    void readsAreOneCommandPerJob() {
        Job j = store.create(newJob("u3", JobFixtures.now())).job();
        for (int i = 0; i < 19; i++) {
            store.create(newJob("u3", JobFixtures.now()));
        }
        assertEquals(Map.of("HGETALL", 1L), cost(() -> store.findById(j.id())));
        assertEquals(Map.of("ZREVRANGEBYSCORE", 1L, "HGETALL", 20L), cost(() -> store.findByUserId("u3", Set.of(), 20, null)));
        assertEquals(Map.of("HGETALL", (long) store.shardCount()), cost(store::countByStatus), "one per shard");
        assertEquals(Map.of("EVALSHA", 1L, "ZREM", 2L), cost(() -> store.delete(j.id())));
    }
}
