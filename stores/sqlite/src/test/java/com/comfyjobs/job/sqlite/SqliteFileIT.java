package com.comfyjobs.job.sqlite;

import static com.comfyjobs.testing.JobFixtures.newJob;
import static com.comfyjobs.testing.JobFixtures.queued;
import static com.comfyjobs.testing.JobFixtures.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.job.CreateResult;
import com.comfyjobs.job.IdempotencyClaim;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.StaleBatch;
import com.comfyjobs.job.StateStoreErrorException;
import com.comfyjobs.job.StateStoreUnavailableException;
import com.comfyjobs.job.StoredDataException;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.TransitionOutcome;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ServiceHarness.MovableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only the SQLite store has to show: the file itself (reopened, shared by two stores as by two
 * processes, its timestamps, its journal mode, files it must refuse), the busy timeout, a transaction
 * cut short, and what Redis does by TTL (retention, Idempotency-Key records, event markers), done
 * here by expiry columns and the purge.
 */
class SqliteFileIT {
    private static final Duration RETENTION = Duration.ofHours(1);
    private static final Duration EVENT_TTL = Duration.ofMinutes(10);

    @TempDir
    Path dir;
    private Path file;
    private final MovableClock clock = new MovableClock();
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeEach
    void name() {
        file = dir.resolve("data").resolve("comfyjobs.db");
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
    }

    private SqliteJobStore store(Duration busyTimeout, Clock clock) {
        SqliteJobStore s = new SqliteJobStore(SqliteDatabase.open(file, "SQLITE_PATH", busyTimeout), SqliteJobStore.DEFAULT_SHARDS,
                RETENTION, clock);
        opened.add(s);
        return s;
    }

    private SqliteJobStore store() {
        return store(SqliteDatabase.BUSY_TIMEOUT, clock);
    }

    /** A connection of the test's own, as the sqlite3 shell or another process would open the file. */
    private Connection raw() throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        opened.add(c);
        return c;
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @Test
    void jobsTemplatesAndTheirStateOutliveTheProcessThatWroteThem() {
        SqliteJobStore first = store();
        Job j = first.create(newJob(user(), JobFixtures.now())).job();
        first.transition(Transition.of(j.id(), JobFixtures.now()).status(JobStatus.RUNNING).progress(0.4).build());
        Job before = first.findById(j.id()).orElseThrow();
        first.close();

        SqliteJobStore again = store();
        assertEquals(before, again.findById(j.id()).orElseThrow());
        assertEquals(JobFixtures.defaultWorkflow(), again.findWorkflow(j.id()).orElseThrow());
    }

    @Test
    void timesAreIso8601TextInTheirColumns() throws SQLException {
        Instant created = Instant.parse("2026-03-01T08:00:00Z");
        Job j = store().create(newJob(queued(user(), created))).job();
        store().transition(Transition.of(j.id(), created.plusMillis(1500)).status(JobStatus.FAILED).build());
        Connection c = raw();
        assertEquals("2026-03-01T08:00:00.000Z", one(c, "SELECT created_at FROM jobs WHERE id = '" + j.id() + "'"));
        assertEquals("2026-03-01T08:00:01.500Z", one(c, "SELECT finished_at FROM jobs WHERE id = '" + j.id() + "'"));
        assertEquals("2026-03-01T09:00:01.500Z", one(c, "SELECT expires_at FROM jobs WHERE id = '" + j.id() + "'"),
                "retention runs from the end");
    }

    @Test
    void aWriterHoldingTheFileNeverBlocksReadsAndOtherWritersWaitOutTheBusyTimeout() throws SQLException {
        SqliteJobStore store = store(Duration.ofMillis(300), clock);
        Job j = store.create(newJob(user(), JobFixtures.now())).job();
        Connection other = raw();
        assertEquals("wal", one(other, "PRAGMA journal_mode"));
        exec(other, "BEGIN EXCLUSIVE");
        exec(other, "UPDATE jobs SET progress = 0.9 WHERE id = '" + j.id() + "'");

        assertEquals(0.0, store.findById(j.id()).orElseThrow().progress(), "a reader sees the last commit, at once");
        assertThrows(StateStoreUnavailableException.class,
                () -> store.transition(Transition.of(j.id(), JobFixtures.now()).progress(0.5).build()),
                "the lock held past the busy timeout is an outage, not an error");

        exec(other, "COMMIT");
        assertTrue(store.transition(Transition.of(j.id(), JobFixtures.now()).progress(0.95).build()).applied());
        assertEquals(0.95, store.findById(j.id()).orElseThrow().progress());
    }

    @Test
    void aTransitionCutShortLeavesNothingNotEvenItsEventMarker() throws SQLException {
        SqliteJobStore store = store();
        Job j = store.create(newJob(user(), JobFixtures.now())).job();
        // the workflow's deletion, the last write of a terminal transition, fails as a full disk would make it
        exec(raw(), "CREATE TRIGGER cut_short BEFORE DELETE ON workflows BEGIN SELECT RAISE(ABORT, 'disk full'); END");
        Transition end = Transition.of(j.id(), JobFixtures.now()).eventId("msg_9:0", EVENT_TTL).status(JobStatus.FAILED).build();
        assertThrows(StateStoreErrorException.class, () -> store.transition(end));
        assertEquals(j, store.findById(j.id()).orElseThrow(), "the status change written before it was rolled back");
        assertTrue(store.findWorkflow(j.id()).isPresent());

        exec(raw(), "DROP TRIGGER cut_short");
        assertTrue(store.transition(Transition.of(j.id(), JobFixtures.now()).eventId("msg_9:0", EVENT_TTL).status(JobStatus.FAILED)
                .build()).applied(), "the webhook's redelivery applies: its marker went with the rest");
        assertEquals(JobStatus.FAILED, store.findById(j.id()).orElseThrow().status());
    }

    @Test
    void jobsPastRetentionAreGoneToReadsAndThePurgeDeletesThemWithTheirMarkers() throws SQLException {
        SqliteJobStore store = store();
        String u = user();
        Job ended = store.create(newJob(u, clock.instant())).job();
        Job live = store.create(newJob(u, clock.instant())).job();
        store.transition(Transition.of(ended.id(), clock.instant()).eventId("msg_1:0", EVENT_TTL).status(JobStatus.FAILED).build());
        clock.advance(RETENTION.minusSeconds(1));
        assertTrue(store.findById(ended.id()).isPresent(), "kept for its retention");

        clock.advance(Duration.ofSeconds(2));
        assertTrue(store.findById(ended.id()).isEmpty());
        assertEquals(List.of(live.id()), store.findByUserId(u, Set.of(), 10, null).jobs().stream().map(Job::id).toList());
        assertEquals(1, store.countByUserId(u));
        assertEquals(TransitionOutcome.NOT_FOUND, store.updateStatus(ended.id(), JobStatus.RUNNING, clock.instant()).outcome());

        int shard = store.shardOf(ended.id());
        assertEquals(1, store.purge(shard, clock.instant().minus(RETENTION), 100).purgedJobs());
        Connection c = raw();
        assertEquals("0", one(c, "SELECT count(*) FROM jobs WHERE id = '" + ended.id() + "'"));
        assertEquals("0", one(c, "SELECT count(*) FROM events WHERE job_id = '" + ended.id() + "'"));
        assertTrue(store.findById(live.id()).isPresent());
    }

    @Test
    void anIdempotencyKeyRecordLivesForItsTtlThenThePurgeDropsIt() throws SQLException {
        SqliteJobStore store = store();
        String u = user();
        IdempotencyClaim claim = new IdempotencyClaim("k1", "fp", Duration.ofMinutes(5));
        Job first = store.create(new NewJob(queued(u, clock.instant()), JobFixtures.defaultWorkflow(), 10, claim)).job();
        assertEquals(CreateResult.Outcome.IDEMPOTENT_REPLAY,
                store.create(new NewJob(queued(u, clock.instant()), JobFixtures.defaultWorkflow(), 10, claim)).outcome());

        clock.advance(Duration.ofMinutes(6));
        assertTrue(store.findIdempotencyRecord(u, "k1").isEmpty());
        Job second = store.create(new NewJob(queued(u, clock.instant()), JobFixtures.defaultWorkflow(), 10, claim)).job();
        assertFalse(first.id().equals(second.id()), "an expired key makes a new job");
        assertEquals(second.id(), store.findIdempotencyRecord(u, "k1").orElseThrow().jobId());

        clock.advance(Duration.ofMinutes(6));
        store.purge(store.shardOf(second.id()), clock.instant().minus(RETENTION), 100);
        assertEquals("0", one(raw(), "SELECT count(*) FROM idempotency WHERE user_id = '" + u + "'"));
    }

    @Test
    void anEventIdAppliesAgainOnlyOnceItsMarkerExpired() {
        SqliteJobStore store = store();
        Job j = store.create(newJob(user(), clock.instant())).job();
        assertTrue(store.transition(Transition.of(j.id(), clock.instant()).eventId("msg_2:0", EVENT_TTL).progress(0.1).build()).applied());
        clock.advance(EVENT_TTL.minusSeconds(1));
        assertEquals(TransitionOutcome.DUPLICATE_EVENT,
                store.transition(Transition.of(j.id(), clock.instant()).eventId("msg_2:0", EVENT_TTL).progress(0.2).build()).outcome());
        clock.advance(Duration.ofSeconds(2));
        assertTrue(store.transition(Transition.of(j.id(), clock.instant()).eventId("msg_2:0", EVENT_TTL).progress(0.3).build()).applied(),
                "as Redis forgets the marker with its TTL");
    }

    @Test
    void twoStoresOnOneFileShareShardLocksAdmissionsAndEventIds() throws Exception {
        SqliteJobStore a = store();
        SqliteJobStore b = store();
        assertTrue(a.tryLockShard(5, "run-a", Duration.ofMinutes(1)));
        assertFalse(b.tryLockShard(5, "run-b", Duration.ofMinutes(1)), "a lock is a row in the file, not in a process");
        clock.advance(Duration.ofMinutes(2));
        assertTrue(b.tryLockShard(5, "run-b", Duration.ofMinutes(1)), "an expired lock is free to take");

        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<CreateResult>> results = new ArrayList<>();
        Job shared = a.create(newJob(user(), clock.instant())).job();
        List<Future<Boolean>> applied = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            SqliteJobStore s = i % 2 == 0 ? a : b;
            results.add(pool.submit(() -> {
                go.await();
                return s.create(new NewJob(queued("capped", clock.instant()), JobFixtures.defaultWorkflow(), 3, null));
            }));
            applied.add(pool.submit(() -> {
                go.await();
                return s.transition(Transition.of(shared.id(), clock.instant()).eventId("msg_3:0", EVENT_TTL).progress(0.5).build()).applied();
            }));
        }
        go.countDown();
        int created = 0;
        for (Future<CreateResult> f : results) {
            created += f.get().outcome() == CreateResult.Outcome.CREATED ? 1 : 0;
        }
        int events = 0;
        for (Future<Boolean> f : applied) {
            events += f.get() ? 1 : 0;
        }
        pool.shutdown();
        assertEquals(3, created);
        assertEquals(3, b.countActiveByUserId("capped"));
        assertEquals(1, events, "one event id, applied once across both stores");
    }

    @Test
    void anUnreadableRowIsReportedNeverGuessedAndTheStaleSweepGoesPastIt() throws SQLException {
        SqliteJobStore store = store();
        Job good = store.create(newJob(queued(user(), clock.instant().minusSeconds(60)))).job();
        Job bad = queued(user(), clock.instant().minusSeconds(60));
        while (store.shardOf(bad.id()) != store.shardOf(good.id())) {
            bad = queued(user(), clock.instant().minusSeconds(60));
        }
        store.create(newJob(bad));
        exec(raw(), "UPDATE jobs SET status = 'paused' WHERE id = '" + bad.id() + "'");
        String badId = bad.id();
        assertThrows(StoredDataException.class, () -> store.findById(badId));
        StaleBatch batch = store.findStale(store.shardOf(good.id()), clock.instant(), null, 10);
        assertEquals(List.of(good.id()), batch.jobs().stream().map(Job::id).toList());
        assertEquals(List.of(bad.id()), batch.unreadable().stream().map(StaleBatch.Unreadable::jobId).toList());
    }

    @Test
    void aFileFromANewerVersionIsRefusedNamingTheVariable() throws SQLException {
        store().close();
        exec(raw(), "PRAGMA user_version = 99");
        ConfigException e = assertThrows(ConfigException.class, this::store);
        assertTrue(e.getMessage().contains("SQLITE_PATH") && e.getMessage().contains("99"), e.getMessage());
    }

    @Test
    void aFileThatIsNoSqliteDatabaseIsRefusedNamingTheVariable() throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "these are someone's notes, not a database ".repeat(100));
        ConfigException e = assertThrows(ConfigException.class, this::store);
        assertTrue(e.getMessage().startsWith("SQLITE_PATH"), e.getMessage());
        assertTrue(Files.readString(file).startsWith("these are someone's notes"), "and left as it was");
    }

    @Test
    void aFileWrittenWithAnotherShardCountIsRefused() {
        store().close();
        SqliteDatabase db = SqliteDatabase.open(file, "SQLITE_PATH");
        opened.add(db);
        ConfigException e = assertThrows(ConfigException.class, () -> new SqliteJobStore(db, 8, RETENTION, clock));
        assertTrue(e.getMessage().contains("16 shards"), e.getMessage());
    }

    @Test
    void aPathWithAQuestionMarkIsRefusedNamingTheVariable() {
        ConfigException e = assertThrows(ConfigException.class, () -> SqliteDatabase.open(dir.resolve("jobs.db?mode=ro"), "SQLITE_PATH"));
        assertTrue(e.getMessage().startsWith("SQLITE_PATH"), e.getMessage());
    }
}
