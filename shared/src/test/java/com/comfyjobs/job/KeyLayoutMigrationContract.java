package com.comfyjobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.testing.JobFixtures;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The move from key layout 1 (caller text raw in keys) to layout 2, online: jobs written in layout 1
 * are finished, listed, replayed and capped by code that migrates them while other containers keep
 * writing. Runs on one node and on a cluster.
 */
public abstract class KeyLayoutMigrationContract {
    private static final AtomicInteger PREFIX = new AtomicInteger();
    private static final Duration REFRESH = Duration.ofMillis(500);
    private static final List<String> USERS = List.of("alice", "u1}:idem:zz", "bob:x{1}", "%41");
    private final List<RedisJobStore> open = new ArrayList<>();
    private String prefix;

    protected abstract URI redis();

    protected abstract boolean cluster();

    /** Plain commands, to look at keys the way an operator would. */
    protected abstract RedisClusterCommands<String, String> raw();

    @BeforeEach
    void prefix() {
        prefix = "m" + PREFIX.incrementAndGet() + (cluster() ? "c" : "n");
    }

    @AfterEach
    void close() {
        open.forEach(RedisJobStore::close);
    }

    private RedisJobStore store() {
        RedisJobStore s = new RedisJobStore(new RedisConnection(RedisSettings.of(redis(), cluster()).withKeyPrefix(prefix)),
                Clock.systemUTC(), REFRESH);
        open.add(s);
        return s;
    }

    /** A deployment from before layouts were recorded: its shard marker is there, its layout marker is not. */
    private RedisJobStore layoutOneDeployment() {
        raw().set(prefix + ":{meta}:shards", "16");
        return store();
    }

    private List<String> keys(String pattern) {
        List<String> found = new ArrayList<>();
        ScanArgs match = ScanArgs.Builder.matches(pattern).limit(500);
        KeyScanCursor<String> page = raw().scan(match);
        found.addAll(page.getKeys());
        while (!page.isFinished()) {
            page = raw().scan(page, match);
            found.addAll(page.getKeys());
        }
        return found;
    }

    @Test
    void jobsWrittenInLayoutOneAreMigratedOnlineAndFinishedByTheNewCode() {
        RedisJobStore before = layoutOneDeployment();
        List<Job> jobs = new ArrayList<>();
        for (String user : USERS) {
            Job j = before.create(JobFixtures.withKey(JobFixtures.queued(user, JobFixtures.now()), "order:" + user, "fp-" + user)).job();
            jobs.add(j);
            before.create(JobFixtures.newJob(user, JobFixtures.now()));
        }
        assertEquals("16", raw().get(prefix + ":{meta}:shards"));
        assertTrue(raw().exists(prefix + ":{u:alice}:jobs") == 1, "written in layout 1, as the old code wrote it");
        assertTrue(raw().exists(prefix + ":{u:u1}:idem:zz}:jobs") == 1);

        // a container that keeps running while another migrates
        RedisJobStore running = store();
        running.countByUserId("alice");
        MigrationResult first = store().migrate(Instant.now().plusSeconds(60));
        assertTrue(first.complete(), first.toString());
        assertEquals(USERS.size() * 4L, first.keysMoved(), first.toString() + ": each user's two indexes, key record and day of usage");
        assertEquals("2", raw().get(prefix + ":{meta}:layout"));
        assertTrue(keys(prefix + ":{u:*").isEmpty(), "nothing left in layout 1: " + keys(prefix + ":{u:*"));

        for (int i = 0; i < USERS.size(); i++) {
            String user = USERS.get(i);
            Job j = jobs.get(i);
            assertEquals(2, running.countByUserId(user), user);
            assertEquals(2, running.countActiveByUserId(user), user);
            assertEquals(Set.of(j.id()), Set.copyOf(running.findByUserId(user, Set.of(JobStatus.QUEUED), 10, null).jobs().stream()
                    .filter(x -> x.id().equals(j.id())).map(Job::id).toList()));
            CreateResult replay = running.create(JobFixtures.withKey(JobFixtures.queued(user, JobFixtures.now()), "order:" + user, "fp-" + user));
            assertEquals(CreateResult.Outcome.IDEMPOTENT_REPLAY, replay.outcome(), user);
            assertEquals(j.id(), replay.previous().jobId());
            assertTrue(running.updateStatus(j.id(), JobStatus.RUNNING, JobFixtures.now()).applied());
            assertTrue(running.updateStatus(j.id(), JobStatus.CANCELED, JobFixtures.now()).becameTerminal());
            assertEquals(1, running.countActiveByUserId(user), "the finished job left the live index: " + user);
            LocalDate today = UsageDay.dayOf(JobFixtures.now());
            UsageDay usage = running.usage(user, today.minusDays(1), today).stream().reduce(UsageDay.empty(today), UsageDay::plus);
            assertEquals(2, usage.submitted(), "the usage counted in layout 1 moved: " + user);
            assertEquals(1, usage.canceled(), "and the new code counts on: " + user);
        }

        MigrationResult again = store().migrate(Instant.now().plusSeconds(60));
        assertTrue(again.complete());
        assertEquals(0, again.keysMoved(), "a second run finds nothing to do");
    }

    @Test
    void whileAMigrationRunsWritesUseTheNewLayoutAndReadsFindTheOld() {
        RedisJobStore before = layoutOneDeployment();
        Job old = before.create(JobFixtures.withKey(JobFixtures.queued("carol:1", JobFixtures.now()), "k:1", "fp")).job();
        raw().set(prefix + ":{meta}:layout", "1>2:" + System.currentTimeMillis());
        RedisJobStore during = store();
        Job fresh = during.create(JobFixtures.newJob("carol:1", JobFixtures.now())).job();
        assertEquals(2, during.countByUserId("carol:1"), "the old index entry was taken along");
        assertEquals(old.id(), during.findIdempotencyRecord("carol:1", "k:1").orElseThrow().jobId());
        assertEquals(CreateResult.Outcome.IDEMPOTENT_REPLAY,
                during.create(JobFixtures.withKey(JobFixtures.queued("carol:1", JobFixtures.now()), "k:1", "fp")).outcome());
        assertTrue(during.updateStatus(old.id(), JobStatus.FAILED, JobFixtures.now()).becameTerminal());
        assertEquals(1, during.countActiveByUserId("carol:1"));
        assertFalse(keys(prefix + ":{user:carol%3A1}:*").isEmpty(), "written in layout 2");
        assertTrue(during.findById(fresh.id()).isPresent());
    }

    @Test
    void aLayoutThisCodeDoesNotKnowStopsItWithAClearMessage() {
        raw().set(prefix + ":{meta}:shards", "16");
        raw().set(prefix + ":{meta}:layout", "3");
        ConfigException e = assertThrows(ConfigException.class, () -> store().findById("x"));
        assertTrue(e.getMessage().contains("layout") && e.getMessage().contains("'3'"), e.getMessage());
    }

    @Test
    void aFreshDeploymentStartsInTheCurrentLayout() {
        store().create(JobFixtures.newJob("dave", JobFixtures.now()));
        assertEquals("2", raw().get(prefix + ":{meta}:layout"));
        assertTrue(store().migrate(Instant.now().plusSeconds(5)).complete());
    }
}
