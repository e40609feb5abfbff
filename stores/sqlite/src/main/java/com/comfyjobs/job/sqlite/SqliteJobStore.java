package com.comfyjobs.job.sqlite;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.job.CallbackAttempt;
import com.comfyjobs.job.ClaimedPush;
import com.comfyjobs.job.CreateResult;
import com.comfyjobs.job.IdempotencyClaim;
import com.comfyjobs.job.IdempotencyRecord;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobPage;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.ListCursor;
import com.comfyjobs.job.Listening;
import com.comfyjobs.job.MarkArtifactsDeletedOutcome;
import com.comfyjobs.job.MigrationResult;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PurgeResult;
import com.comfyjobs.job.RecordCallbackOutcome;
import com.comfyjobs.job.StaleBatch;
import com.comfyjobs.job.StoredDataException;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.TransitionApplier;
import com.comfyjobs.job.TransitionOutcome;
import com.comfyjobs.job.TransitionResult;
import com.comfyjobs.job.UsageDay;
import com.comfyjobs.job.WebhookSecrets;
import com.comfyjobs.job.Workflow;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * {@link JobStore} in one SQLite file ({@link SqliteDatabase}), with the Redis store's semantics:
 * every method that changes anything is one {@code BEGIN IMMEDIATE} transaction, so its checks and
 * its writes are one atomic step, as a Lua script is in Redis; transitions are decided by the same
 * {@link TransitionApplier} the in-memory store uses, which also enqueues the callback a change
 * causes, and find the job's live listeners in the same transaction ({@link SqliteListeners});
 * callbacks are claimed and recorded by {@link SqliteCallbacks}. What Redis expires by TTL carries an
 * {@code expires_at} here: reads treat a row past it as gone, and the shard's purge deletes it.
 *
 * <p>Replays: each transition's op id is kept with the job ({@code last_op}), so a transition sent
 * again answers as its first run did and changes nothing; an admission sent again finds its own job.
 * A local file loses no reply on the wire; the rule is kept so that every store answers the contract
 * alike.
 */
public final class SqliteJobStore implements JobStore {
    public static final int DEFAULT_SHARDS = 16;

    private static final String VISIBLE = JobTable.VISIBLE;

    private final SqliteDatabase db;
    private final int shards;
    private final Clock clock;
    private final JobTable table;
    private final SqliteListeners listeners = new SqliteListeners();
    private final SqliteCallbacks callbacks;

    /**
     * A store on {@code db} that spreads jobs over {@code shards}, a count the file records at first
     * use: jobs carry their shard, so a file written with another count is refused.
     */
    public SqliteJobStore(SqliteDatabase db, int shards, Duration retention, Clock clock) {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be at least 1");
        }
        this.db = db;
        this.shards = shards;
        this.clock = clock;
        this.table = new JobTable(this::shardOf, retention);
        this.callbacks = new SqliteCallbacks(table);
        int recorded = db.write(s -> {
            PreparedStatement ps = s.statement("INSERT INTO settings (name, value) VALUES ('shards', ?) ON CONFLICT (name) DO NOTHING");
            ps.setString(1, Integer.toString(shards));
            ps.executeUpdate();
            PreparedStatement read = s.statement("SELECT value FROM settings WHERE name = 'shards'");
            try (ResultSet rs = read.executeQuery()) {
                rs.next();
                return Integer.parseInt(rs.getString(1));
            }
        });
        if (recorded != shards) {
            throw new ConfigException("the SQLite file " + db.file() + " spreads its jobs over " + recorded + " shards; this store uses "
                    + shards);
        }
    }

    /** The store on the file at {@code file} ({@code variable} names it in errors), with {@link #DEFAULT_SHARDS}. */
    public static SqliteJobStore open(Path file, String variable, Duration retention, Clock clock) {
        SqliteDatabase db = SqliteDatabase.open(file, variable);
        try {
            return new SqliteJobStore(db, DEFAULT_SHARDS, retention, clock);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** The file and its connections, which the template store shares. */
    public SqliteDatabase database() {
        return db;
    }

    @Override
    public int shardCount() {
        return shards;
    }

    @Override
    public int shardOf(String jobId) {
        CRC32 crc = new CRC32();
        crc.update(jobId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % shards);
    }

    private Instant now() {
        return clock.instant();
    }

    // ---- admission -------------------------------------------------------------------------------

    @Override
    public CreateResult create(NewJob n) {
        Job job = n.job();
        IdempotencyClaim claim = n.idempotency();
        return db.write(s -> {
            Instant now = now();
            boolean resumed = false;
            if (claim != null) {
                IdempotencyRecord r = idempotencyRecord(s, job.userId(), claim.key(), now);
                if (r != null) {
                    if (!r.fingerprint().equals(claim.fingerprint())) {
                        return CreateResult.mismatch(r);
                    }
                    if (!r.jobId().equals(job.id())) {
                        return CreateResult.replay(r);
                    }
                    resumed = true;
                }
            }
            PreparedStatement find = s.statement("SELECT " + JobRows.SELECT + " FROM jobs WHERE id = ?");
            find.setString(1, job.id());
            try (ResultSet rs = find.executeQuery()) {
                if (rs.next()) {
                    Job existing = table.read(rs);
                    // job ids are random: the same id for the same user is this admission sent again
                    return existing.userId().equals(job.userId()) ? CreateResult.created(existing) : CreateResult.idExists();
                }
            }
            long live = countActive(s, job.userId());
            if (live >= n.maxActiveJobs()) {
                return CreateResult.activeLimit(live);
            }
            if (claim != null && !resumed) {
                PreparedStatement rec = s.statement("INSERT OR REPLACE INTO idempotency (user_id, key, fingerprint, job_id, created_at,"
                        + " expires_at, shard) VALUES (?, ?, ?, ?, ?, ?, ?)");
                rec.setString(1, job.userId());
                rec.setString(2, claim.key());
                rec.setString(3, claim.fingerprint());
                rec.setString(4, job.id());
                rec.setString(5, IsoMillis.format(job.createdAt()));
                rec.setString(6, IsoMillis.format(now.plus(claim.ttl())));
                rec.setInt(7, shardOf(job.id()));
                rec.executeUpdate();
            }
            Job stored = JobRows.asStored(job.toBuilder().workflowSha256(n.workflow().sha256()).workflowBytes(n.workflow().bytes()).build());
            table.insert(s, stored);
            PreparedStatement wf = s.statement("INSERT INTO workflows (job_id, body) VALUES (?, ?)");
            wf.setString(1, job.id());
            wf.setString(2, n.workflow().json());
            wf.executeUpdate();
            SqliteUsage.countSubmitted(s, stored.userId(), UsageDay.dayOf(stored.createdAt()));
            return CreateResult.created(stored);
        });
    }

    private static IdempotencyRecord idempotencyRecord(SqliteSession s, String userId, String key, Instant now) throws SQLException {
        PreparedStatement ps = s.statement("SELECT fingerprint, job_id, created_at FROM idempotency WHERE user_id = ? AND key = ?"
                + " AND expires_at > ?");
        ps.setString(1, userId);
        ps.setString(2, key);
        ps.setString(3, IsoMillis.format(now));
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return null;
            }
            // written in the job's own transaction: a record here always has its job stored
            return new IdempotencyRecord(key, rs.getString(1), rs.getString(2), IsoMillis.parse(rs.getString(3)), true);
        }
    }

    private static long countActive(SqliteSession s, String userId) throws SQLException {
        PreparedStatement ps = s.statement("SELECT count(*) FROM jobs WHERE user_id = ? AND ended = 0");
        ps.setString(1, userId);
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    // ---- reads ----------------------------------------------------------------------------------

    @Override
    public Optional<Job> findById(String jobId) {
        return db.read(s -> Optional.ofNullable(table.find(s, jobId, now())).map(JobTable.Stored::job));
    }

    @Override
    public Optional<Workflow> findWorkflow(String jobId) {
        return db.read(s -> {
            PreparedStatement ps = s.statement("SELECT body FROM workflows WHERE job_id = ?");
            ps.setString(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Workflow.fromStoredJson(rs.getString(1))) : Optional.empty();
            }
        });
    }

    @Override
    public Optional<IdempotencyRecord> findIdempotencyRecord(String userId, String key) {
        return db.read(s -> Optional.ofNullable(idempotencyRecord(s, userId, key, now())));
    }

    @Override
    public JobPage findByUserId(String userId, Set<JobStatus> statusFilter, int limit, String cursor) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        ListCursor.Position from = cursor == null ? null : ListCursor.decode(cursor);
        StringBuilder sql = new StringBuilder("SELECT " + JobRows.SELECT + " FROM jobs WHERE user_id = ? AND " + VISIBLE);
        if (from != null) {
            sql.append(" AND (created_at < ? OR (created_at = ? AND id < ?))");
        }
        if (!statusFilter.isEmpty()) {
            sql.append(" AND status IN (").append(String.join(", ", Collections.nCopies(statusFilter.size(), "?"))).append(")");
        }
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?");
        List<JobStatus> statuses = List.copyOf(statusFilter);
        return db.read(s -> {
            PreparedStatement ps = s.statement(sql.toString());
            int i = 1;
            ps.setString(i++, userId);
            ps.setString(i++, IsoMillis.format(now()));
            if (from != null) {
                String at = IsoMillis.format(Instant.ofEpochMilli(from.score()));
                ps.setString(i++, at);
                ps.setString(i++, at);
                ps.setString(i++, from.id());
            }
            for (JobStatus st : statuses) {
                ps.setString(i++, st.wire());
            }
            ps.setInt(i, limit + 1);
            List<Job> page = new ArrayList<>();
            boolean more = false;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (page.size() == limit) {
                        more = true;
                        break;
                    }
                    page.add(table.read(rs));
                }
            }
            Job last = more ? page.get(page.size() - 1) : null;
            return new JobPage(page, last == null ? null : ListCursor.encode(new ListCursor.Position(last.createdAt().toEpochMilli(), last.id())));
        });
    }

    @Override
    public long countByUserId(String userId) {
        return db.read(s -> {
            PreparedStatement ps = s.statement("SELECT count(*) FROM jobs WHERE user_id = ? AND " + VISIBLE);
            ps.setString(1, userId);
            ps.setString(2, IsoMillis.format(now()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @Override
    public List<UsageDay> usage(String userId, LocalDate from, LocalDate to) {
        return db.read(s -> SqliteUsage.read(s, userId, from, to));
    }

    @Override
    public long countActiveByUserId(String userId) {
        return db.read(s -> countActive(s, userId));
    }

    /**
     * Jobs per status, counted from the status index in one statement: with every change in one
     * transaction there are no counters to keep apart from the rows. Like Redis's counters, a job past
     * retention counts until its shard's purge removes it.
     */
    @Override
    public Map<JobStatus, Long> countByStatus() {
        return db.read(s -> {
            Map<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
            for (JobStatus st : JobStatus.values()) {
                counts.put(st, 0L);
            }
            try (ResultSet rs = s.statement("SELECT status, count(*) FROM jobs GROUP BY status").executeQuery()) {
                while (rs.next()) {
                    try {
                        counts.put(JobStatus.fromWire(rs.getString(1)), rs.getLong(2));
                    } catch (IllegalArgumentException e) {
                        throw new StoredDataException(rs.getLong(2) + " jobs have an unreadable status: " + e.getMessage(), e);
                    }
                }
            }
            return counts;
        });
    }

    // ---- changes ----------------------------------------------------------------------------------

    @Override
    public TransitionResult transition(Transition t) {
        return db.write(s -> {
            JobTable.Stored stored = table.find(s, t.jobId(), now());
            if (stored == null) {
                return TransitionResult.notFound();
            }
            Job job = stored.job();
            int shard = shardOf(job.id());
            if (t.opId().equals(stored.lastOp())) {
                Listening replayed = listeners.replayed(s, job, t);
                return new TransitionResult(TransitionOutcome.APPLIED, job.status(), job.status(), job.attempt(),
                        t.answersWithJob(job.status(), job) || replayed.push() == Listening.Push.NOW ? job : null, replayed);
            }
            // the marker is kept whatever the guards decide: an event is applied or judged once, as in transition.lua
            if (t.eventId() != null && !markEvent(s, t, shard)) {
                return new TransitionResult(TransitionOutcome.DUPLICATE_EVENT, job.status(), job.status(), job.attempt(), null);
            }
            TransitionApplier.Result r = TransitionApplier.apply(job, t);
            if (r.outcome() != TransitionOutcome.APPLIED) {
                return new TransitionResult(r.outcome(), job.status(), job.status(), job.attempt(), null);
            }
            Job after = JobRows.asStored(r.after());
            table.writeBack(s, job, after, t.opId());
            if (after.isTerminal()) {
                table.deleteWorkflow(s, after.id());
                SqliteUsage.countEnded(s, after.userId(), UsageDay.dayOf(after.finishedAt()), after.status(), after.gpuMillis());
            }
            Listening listening = listeners.applied(s, after, shard, t);
            return new TransitionResult(TransitionOutcome.APPLIED, job.status(), after.status(), after.attempt(),
                    t.answersWithJob(job.status(), after) || listening.push() == Listening.Push.NOW ? after : null, listening);
        });
    }

    /** Records the transition's event id for its TTL; false when a live marker says it came before. */
    private boolean markEvent(SqliteSession s, Transition t, int shard) throws SQLException {
        Instant now = now();
        PreparedStatement ps = s.statement("INSERT INTO events (job_id, event_id, shard, expires_at) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (job_id, event_id) DO UPDATE SET expires_at = excluded.expires_at WHERE events.expires_at <= ?");
        ps.setString(1, t.jobId());
        ps.setString(2, t.eventId());
        ps.setInt(3, shard);
        ps.setString(4, IsoMillis.format(now.plus(t.eventTtl())));
        ps.setString(5, IsoMillis.format(now));
        return ps.executeUpdate() == 1;
    }

    @Override
    public MarkArtifactsDeletedOutcome markArtifactsDeleted(String jobId) {
        return db.write(s -> {
            JobTable.Stored stored = table.find(s, jobId, now());
            if (stored == null) {
                return MarkArtifactsDeletedOutcome.NOT_FOUND;
            }
            if (!stored.job().isTerminal()) {
                return MarkArtifactsDeletedOutcome.LIVE;
            }
            PreparedStatement ps = s.statement("UPDATE jobs SET artifacts = '[]', artifacts_deleted = 1 WHERE id = ?");
            ps.setString(1, jobId);
            ps.executeUpdate();
            return MarkArtifactsDeletedOutcome.MARKED;
        });
    }

    @Override
    public boolean delete(String jobId) {
        return db.write(s -> table.remove(s, jobId));
    }

    // ---- callbacks ----------------------------------------------------------------------------------

    @Override
    public List<Job> claimDueCallbacks(int shard, Instant now, int limit, String owner, Instant leaseUntil) {
        return db.write(s -> callbacks.claimDue(s, shard, now, limit, owner, leaseUntil));
    }

    @Override
    public Optional<Job> claimFirstCallback(String jobId, Instant now, String owner, Instant leaseUntil) {
        return db.write(s -> callbacks.claimFirst(s, jobId, now, owner, leaseUntil));
    }

    @Override
    public RecordCallbackOutcome recordCallback(CallbackAttempt attempt) {
        return db.write(s -> callbacks.record(s, attempt, now()));
    }

    @Override
    public Optional<Instant> earliestCallbackDue(int shard) {
        return db.read(s -> callbacks.earliestDue(s, shard));
    }

    @Override
    public Optional<WebhookSecrets> findWebhookSecrets(String userId) {
        return db.read(s -> callbacks.secrets(s, userId));
    }

    @Override
    public WebhookSecrets createWebhookSecret(String userId, String sealed) {
        return db.write(s -> callbacks.create(s, userId, sealed));
    }

    @Override
    public WebhookSecrets rotateWebhookSecret(String userId, String sealed, Instant now, String opId) {
        return db.write(s -> callbacks.rotate(s, userId, sealed, now, opId));
    }

    // ---- live listeners -------------------------------------------------------------------------------

    /** Checked and registered in one transaction, so the job cannot change hands between the two, as in listen.lua. */
    @Override
    public Optional<JobStatus> listen(String jobId, String userId, String connectionId, Instant until) {
        return db.write(s -> {
            JobTable.Stored stored = table.find(s, jobId, now());
            if (stored == null || !stored.job().userId().equals(userId)) {
                return Optional.empty();
            }
            if (!stored.job().isTerminal()) {
                listeners.listen(s, jobId, shardOf(jobId), connectionId, until);
            }
            return Optional.of(stored.job().status());
        });
    }

    @Override
    public void listenAll(String userId, String connectionId, Instant until) {
        db.write(s -> {
            listeners.listenAll(s, userId, connectionId, until);
            return null;
        });
    }

    @Override
    public void unlisten(String jobId, String connectionId) {
        db.write(s -> {
            listeners.unlisten(s, jobId, connectionId);
            return null;
        });
    }

    @Override
    public void unlistenAll(String userId, String connectionId) {
        db.write(s -> {
            listeners.unlistenAll(s, userId, connectionId);
            return null;
        });
    }

    @Override
    public Optional<ClaimedPush> claimPush(String jobId, String claim, Instant now) {
        return db.write(s -> {
            JobTable.Stored stored = table.find(s, jobId, now());
            if (stored == null) {
                return Optional.empty();
            }
            Job job = stored.job();
            return listeners.claim(s, job, shardOf(jobId), claim, now).map(l -> new ClaimedPush(job, l));
        });
    }

    @Override
    public List<String> owedPushes(int shard, Instant now, int limit) {
        return db.read(s -> listeners.owed(s, shard, now, limit));
    }

    // ---- recovery support --------------------------------------------------------------------------

    @Override
    public StaleBatch findStale(int shard, Instant heartbeatBefore, StaleBatch.Position after, int limit) {
        String sql = "SELECT " + JobRows.SELECT + " FROM jobs WHERE shard = ? AND ended = 0 AND heartbeat_at <= ?"
                + (after == null ? "" : " AND (heartbeat_at > ? OR (heartbeat_at = ? AND id > ?))")
                + " ORDER BY heartbeat_at, id LIMIT ?";
        return db.read(s -> {
            PreparedStatement ps = s.statement(sql);
            int i = 1;
            ps.setInt(i++, shard);
            ps.setString(i++, IsoMillis.format(heartbeatBefore));
            if (after != null) {
                String at = IsoMillis.format(Instant.ofEpochMilli(after.heartbeatMillis()));
                ps.setString(i++, at);
                ps.setString(i++, at);
                ps.setString(i++, after.jobId());
            }
            ps.setInt(i, limit + 1);
            List<Job> jobs = new ArrayList<>();
            List<StaleBatch.Unreadable> unreadable = new ArrayList<>();
            StaleBatch.Position last = null;
            boolean more = false;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (jobs.size() + unreadable.size() == limit) {
                        more = true;
                        break;
                    }
                    String id = rs.getString("id");
                    String heartbeat = rs.getString("heartbeat_at");
                    try {
                        jobs.add(table.read(rs));
                    } catch (StoredDataException e) {
                        unreadable.add(new StaleBatch.Unreadable(id, e.getMessage()));
                    }
                    last = new StaleBatch.Position(IsoMillis.parse(heartbeat).toEpochMilli(), id);
                }
            }
            return new StaleBatch(jobs, unreadable, more ? last : null);
        });
    }

    /**
     * Removes the shard's jobs that ended before {@code finishedBefore} (oldest first, at most
     * {@code limit}) with all that hangs off them, and what expired and nothing else deletes here: the
     * shard's event markers and Idempotency-Key records past their TTL, and listener registrations
     * whose connection ended.
     */
    @Override
    public PurgeResult purge(int shard, Instant finishedBefore, int limit) {
        return db.write(s -> {
            List<String> ids = new ArrayList<>();
            PreparedStatement old = s.statement("SELECT id FROM jobs WHERE shard = ? AND ended = 1 AND finished_at <= ?"
                    + " ORDER BY finished_at LIMIT ?");
            old.setInt(1, shard);
            old.setString(2, IsoMillis.format(finishedBefore));
            old.setInt(3, limit);
            try (ResultSet rs = old.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            for (String id : ids) {
                table.remove(s, id);
            }
            Instant now = now();
            for (String expiring : List.of("events", "idempotency")) {
                PreparedStatement expired = s.statement("DELETE FROM " + expiring + " WHERE shard = ? AND expires_at <= ?");
                expired.setInt(1, shard);
                expired.setString(2, IsoMillis.format(now));
                expired.executeUpdate();
            }
            listeners.purgeEnded(s, shard, now);
            SqliteUsage.purge(s, now);
            return new PurgeResult(ids.size(), 0);
        });
    }

    /** The lock is a row with its owner and expiry; an expired row is free to take. */
    @Override
    public boolean tryLockShard(int shard, String owner, Duration ttl) {
        return db.write(s -> {
            Instant now = now();
            PreparedStatement held = s.statement("SELECT owner FROM shard_locks WHERE shard = ? AND expires_at > ?");
            held.setInt(1, shard);
            held.setString(2, IsoMillis.format(now));
            try (ResultSet rs = held.executeQuery()) {
                if (rs.next()) {
                    return rs.getString(1).equals(owner);
                }
            }
            PreparedStatement take = s.statement("INSERT OR REPLACE INTO shard_locks (shard, owner, expires_at) VALUES (?, ?, ?)");
            take.setInt(1, shard);
            take.setString(2, owner);
            take.setString(3, IsoMillis.format(now.plus(ttl)));
            take.executeUpdate();
            return true;
        });
    }

    @Override
    public void unlockShard(int shard, String owner) {
        db.write(s -> {
            PreparedStatement ps = s.statement("DELETE FROM shard_locks WHERE shard = ? AND owner = ?");
            ps.setInt(1, shard);
            ps.setString(2, owner);
            return ps.executeUpdate();
        });
    }

    @Override
    public MigrationResult migrate(Instant deadline) {
        return new MigrationResult(true, 0, "a SQLite file has no key layout; its schema is brought up to date when it is opened");
    }

    @Override
    public void close() {
        db.close();
    }
}
