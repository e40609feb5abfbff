package com.comfyjobs.job;

import static com.comfyjobs.testing.JobFixtures.newJob;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisKeys;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.JobFixtures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What only Redis has: TTLs, the key layout, the script cache, stored data written by others. */
class RedisLayoutIT {
    private static final AtomicInteger PREFIX = new AtomicInteger();
    private static RedisNode redis;
    private static RedisClient rawClient;
    private static StatefulRedisConnection<String, String> rawConnection;
    private RedisCommands<String, String> raw;
    private RedisJobStore store;
    private String prefix;

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
        prefix = "l" + PREFIX.incrementAndGet();
        store = RedisJobStore.connect(RedisSettings.of(redis.uri(), false).withKeyPrefix(prefix).withRetention(Duration.ofHours(24)));
        raw = rawConnection.sync();
    }

    @AfterEach
    void close() {
        store.close();
    }

    private String key(Job j, String kind) {
        return names().shardTag(store.shardOf(j.id())) + kind + ":" + j.id();
    }

    /** The names of a fresh deployment's keys, which every test here writes. */
    private RedisKeys names() {
        return new RedisKeys(prefix, RedisSettings.DEFAULT_SHARDS);
    }

    @Test
    void liveJobsHaveNoTtlAndTerminalOnesGetTheRetentionWithoutTheirWorkflow() {
        Job j = store.create(newJob("u", JobFixtures.now())).job();
        store.updateStatus(j.id(), JobStatus.RUNNING, JobFixtures.now());
        assertEquals(-1, raw.pttl(key(j, "job")));
        assertEquals(-1, raw.pttl(key(j, "wf")));
        store.updateStatus(j.id(), JobStatus.FAILED, JobFixtures.now());
        long ttl = raw.pttl(key(j, "job"));
        assertTrue(ttl > Duration.ofHours(24).minusMinutes(1).toMillis() && ttl <= Duration.ofHours(24).toMillis(), "ttl " + ttl);
        assertEquals(0, raw.exists(key(j, "wf")), "a finished job keeps only its workflow's digest");
    }

    @Test
    void theMarkOfDeletedArtifactsKeepsTheJobsRetention() {
        Job j = store.create(newJob("u", JobFixtures.now())).job();
        store.updateStatus(j.id(), JobStatus.CANCELED, JobFixtures.now());
        long before = raw.pttl(key(j, "job"));

        assertEquals(MarkArtifactsDeletedOutcome.MARKED, store.markArtifactsDeleted(j.id()));

        long after = raw.pttl(key(j, "job"));
        assertTrue(after > 0 && after <= before, "ttl " + before + " then " + after);
        assertEquals("1", raw.hget(key(j, "job"), "artdel"));
    }

    @Test
    void eventIdsAndIdempotencyRecordsExpire() {
        Job j = JobFixtures.queued("u", JobFixtures.now());
        store.create(JobFixtures.withKey(j, "key-1", "fp"));
        long idemTtl = raw.pttl(prefix + ":{user:u}:idem:key-1");
        assertTrue(idemTtl > Duration.ofHours(23).toMillis(), "idempotency ttl " + idemTtl);
        store.transition(Transition.of(j.id(), JobFixtures.now()).eventId("msg_1", Duration.ofMinutes(10)).progress(0.1).build());
        long evtTtl = raw.pttl(names().event(j.id(), "msg_1"));
        assertTrue(evtTtl > 0 && evtTtl <= Duration.ofMinutes(10).toMillis(), "event ttl " + evtTtl);
    }

    @Test
    void aJobsNumberedEventsShareOneSmallHashThatLivesTheWindowAfterTheLastOne() {
        Job j = store.create(newJob("u", JobFixtures.now())).job();
        for (int n = 1; n <= 101; n++) {
            if (n != 50) {
                store.transition(Transition.of(j.id(), JobFixtures.now()).eventId("msg_Kp3xQ9vLm2Rt7wYz_" + n + ":0", Duration.ofMinutes(10))
                        .progress(n / 200.0).build());
            }
        }
        String seen = key(j, "seen");
        assertEquals(java.util.Map.of("msg_Kp3xQ9vLm2Rt7wYz_:0", "1-49,51-101"), raw.hgetall(seen));
        long ttl = raw.pttl(seen);
        assertTrue(ttl > 0 && ttl <= Duration.ofMinutes(10).toMillis(), "ttl " + ttl);
        assertTrue(raw.memoryUsage(seen) <= 1024, "100 events in " + raw.memoryUsage(seen) + " B");
        assertEquals(List.of(), raw.keys(prefix + ":*:evt:*"), "no key per event");
    }

    @Test
    void anEventTheOneKeyPerEventVersionRecordedIsStillRefused() {
        Job j = store.create(newJob("u", JobFixtures.now())).job();
        raw.set(names().event(j.id(), "msg_Kp3xQ9vLm2Rt7wYz_7:0"), "1");
        assertEquals(TransitionOutcome.DUPLICATE_EVENT, store.transition(Transition.of(j.id(), JobFixtures.now())
                .eventId("msg_Kp3xQ9vLm2Rt7wYz_7:0", Duration.ofMinutes(10)).progress(0.5).build()).outcome());
        assertTrue(store.transition(Transition.of(j.id(), JobFixtures.now()).eventId("msg_Kp3xQ9vLm2Rt7wYz_8:0", Duration.ofMinutes(10))
                .progress(0.5).build()).applied());
    }

    @Test
    void cleanupFixesCountersAndIndexesOfJobsTheirTtlAlreadyRemoved() {
        Instant old = JobFixtures.now().minusSeconds(7200);
        Job j = store.create(newJob("u1", old)).job();
        store.updateStatus(j.id(), JobStatus.CANCELED, old.plusSeconds(1));
        raw.del(key(j, "job"), key(j, "wf"));
        assertEquals(1L, store.countByStatus().get(JobStatus.CANCELED));
        PurgeResult r = store.purge(store.shardOf(j.id()), JobFixtures.now(), 100);
        assertEquals(1, r.purgedJobs());
        assertEquals(1, r.prunedIndexEntries());
        assertEquals(0L, store.countByStatus().get(JobStatus.CANCELED));
        assertEquals(0, store.countByUserId("u1"));
    }

    @Test
    void listingDropsIndexEntriesWhoseJobIsGone() {
        Instant old = JobFixtures.now().minusSeconds(3600);
        Job gone = store.create(newJob("u2", old)).job();
        Job kept = store.create(newJob("u2", old.plusSeconds(1))).job();
        raw.del(key(gone, "job"));
        assertEquals(List.of(kept), store.findByUserId("u2", Set.of(), 10, null).jobs());
        assertEquals(1, store.countByUserId("u2"));
    }

    @Test
    void theCapRepairsALiveIndexThatMissedATerminalTransition() {
        Instant old = JobFixtures.now().minusSeconds(3600);
        Job a = store.create(new NewJob(JobFixtures.queued("u3", old), JobFixtures.defaultWorkflow(), 1, null)).job();
        store.updateStatus(a.id(), JobStatus.FAILED, old.plusSeconds(1));
        raw.zadd(prefix + ":{user:u3}:live", old.toEpochMilli(), a.id());
        CreateResult r = store.create(new NewJob(JobFixtures.queued("u3", JobFixtures.now()), JobFixtures.defaultWorkflow(), 1, null));
        assertEquals(CreateResult.Outcome.CREATED, r.outcome());
    }

    @Test
    void unknownStoredStatusOrTypeIsAClearError() {
        Job j = store.create(newJob("u", JobFixtures.now())).job();
        raw.hset(key(j, "job"), "status", "paused");
        StoredDataException e = assertThrows(StoredDataException.class, () -> store.findById(j.id()));
        assertTrue(e.getMessage().contains("paused"), e.getMessage());
        raw.hset(key(j, "job"), "status", "queued");
        raw.hset(key(j, "job"), "type", "video_upscale");
        e = assertThrows(StoredDataException.class, () -> store.findById(j.id()));
        assertTrue(e.getMessage().contains("video_upscale"), e.getMessage());
    }

    @Test
    void scriptsSurviveAnEmptiedScriptCache() {
        Job j = store.create(newJob("u", JobFixtures.now())).job();
        raw.scriptFlush();
        assertTrue(store.updateStatus(j.id(), JobStatus.RUNNING, JobFixtures.now()).applied());
        raw.scriptFlush();
        assertEquals(CreateResult.Outcome.CREATED, store.create(newJob("u", JobFixtures.now())).outcome());
    }

    @Test
    void aDifferentShardCountThanTheDataWasWrittenWithIsRefused() {
        store.create(newJob("u", JobFixtures.now()));
        try (RedisJobStore other = RedisJobStore.connect(RedisSettings.of(redis.uri(), false).withKeyPrefix(prefix).withShards(8))) {
            ConfigException e = assertThrows(ConfigException.class, () -> other.findById("x"));
            assertTrue(e.getMessage().contains("REDIS_SHARDS"), e.getMessage());
        }
    }

    @Test
    void aUserIdCannotBuildAnotherUsersKey() {
        // in layout 1 this user's index was the key another user's Idempotency-Key "zz}:jobs" named
        String crafted = "u1}:idem:zz";
        Job a = store.create(newJob(crafted, JobFixtures.now())).job();
        CreateResult b = store.create(JobFixtures.withKey(JobFixtures.queued("u1", JobFixtures.now()), "zz}:jobs", "fp"));
        assertEquals(CreateResult.Outcome.CREATED, b.outcome());
        assertEquals(List.of(a.id()), store.findByUserId(crafted, Set.of(), 10, null).jobs().stream().map(Job::id).toList());
        assertEquals(1, store.countByUserId("u1"));
        assertEquals(b.job().id(), store.findIdempotencyRecord("u1", "zz}:jobs").orElseThrow().jobId());
        // and a brace cannot move a user's keys into another user's slot
        int slot = SlotHash.getSlot(prefix + ":{user:u1%7D%3Aidem%3Azz}:jobs");
        for (String k : raw.keys(prefix + ":{user:u1%7D*")) {
            assertEquals(slot, SlotHash.getSlot(k), k);
        }
    }

    @Test
    void everyKeyOfAJobSharesOneHashSlot() {
        Job j = store.create(newJob("u", JobFixtures.now())).job();
        store.transition(Transition.of(j.id(), JobFixtures.now()).eventId("e1", Duration.ofMinutes(1)).progress(0.5).build());
        String tag = names().shardTag(store.shardOf(j.id()));
        int slot = SlotHash.getSlot(tag + "job:" + j.id());
        for (String k : raw.keys(tag + "*")) {
            assertEquals(slot, SlotHash.getSlot(k), k);
        }
    }
}
