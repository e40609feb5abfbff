package com.comfyjobs.job.sqlite;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.Listening;
import com.comfyjobs.job.Transition;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Live listeners and the push throttle in the file: who listens to a job ({@code job_listeners}) or to
 * all of a user's jobs ({@code user_listeners}), each until its connection ends, and what the job's
 * pushes were ({@code pushes}: the last push's time, status and op, and a push owed). The twin of
 * transition.lua's live listeners block, listen.lua and claim_push.lua (and of the in-memory store's
 * book); every method runs inside the caller's transaction, so each step is atomic as a script is.
 */
final class SqliteListeners {
    /** What the job's pushes were: the last one's time, status and op, and the push owed, if any. */
    private record PushState(Instant pushedAt, JobStatus pushedStatus, String pushedBy, Instant owedDue, String owedBy) {
        static final PushState NEVER = new PushState(Instant.EPOCH, null, null, null, null);
    }

    void listen(SqliteSession s, String jobId, int shard, String connectionId, Instant until) throws SQLException {
        PreparedStatement ps = s.statement("INSERT OR REPLACE INTO job_listeners (job_id, connection_id, shard, until) VALUES (?, ?, ?, ?)");
        ps.setString(1, jobId);
        ps.setString(2, connectionId);
        ps.setInt(3, shard);
        ps.setString(4, IsoMillis.format(until));
        ps.executeUpdate();
    }

    void listenAll(SqliteSession s, String userId, String connectionId, Instant until) throws SQLException {
        PreparedStatement ps = s.statement("INSERT OR REPLACE INTO user_listeners (user_id, connection_id, until) VALUES (?, ?, ?)");
        ps.setString(1, userId);
        ps.setString(2, connectionId);
        ps.setString(3, IsoMillis.format(until));
        ps.executeUpdate();
    }

    void unlisten(SqliteSession s, String jobId, String connectionId) throws SQLException {
        PreparedStatement ps = s.statement("DELETE FROM job_listeners WHERE job_id = ? AND connection_id = ?");
        ps.setString(1, jobId);
        ps.setString(2, connectionId);
        ps.executeUpdate();
    }

    void unlistenAll(SqliteSession s, String userId, String connectionId) throws SQLException {
        PreparedStatement ps = s.statement("DELETE FROM user_listeners WHERE user_id = ? AND connection_id = ?");
        ps.setString(1, userId);
        ps.setString(2, connectionId);
        ps.executeUpdate();
    }

    /** The connections listening to the job at {@code now}, those of the job first, each once. */
    private static List<String> listeners(SqliteSession s, Job job, Instant now) throws SQLException {
        Set<String> found = new LinkedHashSet<>();
        PreparedStatement ps = s.statement("SELECT connection_id FROM job_listeners WHERE job_id = ? AND until > ?"
                + " UNION ALL SELECT connection_id FROM user_listeners WHERE user_id = ? AND until > ?");
        String at = IsoMillis.format(now);
        ps.setString(1, job.id());
        ps.setString(2, at);
        ps.setString(3, job.userId());
        ps.setString(4, at);
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                found.add(rs.getString(1));
            }
        }
        return new ArrayList<>(found);
    }

    private static PushState push(SqliteSession s, String jobId) throws SQLException {
        PreparedStatement ps = s.statement("SELECT pushed_at, pushed_status, pushed_by, owed_due, owed_by FROM pushes WHERE job_id = ?");
        ps.setString(1, jobId);
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return null;
            }
            String status = rs.getString(2);
            return new PushState(IsoMillis.parse(rs.getString(1)), status == null ? null : JobStatus.fromWire(status), rs.getString(3),
                    IsoMillis.parse(rs.getString(4)), rs.getString(5));
        }
    }

    private static void save(SqliteSession s, String jobId, int shard, PushState p) throws SQLException {
        PreparedStatement ps = s.statement("INSERT OR REPLACE INTO pushes (job_id, shard, pushed_at, pushed_status, pushed_by, owed_due, owed_by)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)");
        ps.setString(1, jobId);
        ps.setInt(2, shard);
        ps.setString(3, IsoMillis.format(p.pushedAt()));
        ps.setString(4, p.pushedStatus() == null ? null : p.pushedStatus().wire());
        ps.setString(5, p.pushedBy());
        ps.setString(6, IsoMillis.format(p.owedDue()));
        ps.setString(7, p.owedBy());
        ps.executeUpdate();
    }

    /**
     * An applied transition that left the job as {@code after}: a change its owner can see is pushed to
     * its listeners now when the job ends or its last push is {@link Listening#MIN_GAP} old; otherwise
     * this caller owes the push at that time, unless another caller owes it already.
     */
    Listening applied(SqliteSession s, Job after, int shard, Transition t) throws SQLException {
        if (!t.visibleToOwner()) {
            return Listening.NONE;
        }
        Instant now = t.now();
        List<String> listeners = listeners(s, after, now);
        if (listeners.isEmpty()) {
            return Listening.NONE;
        }
        PushState p = push(s, after.id());
        p = p == null ? PushState.NEVER : p;
        if (after.isTerminal() || !now.isBefore(p.pushedAt().plus(Listening.MIN_GAP))) {
            save(s, after.id(), shard, new PushState(now, after.status(), t.opId(), null, null));
            return Listening.now(after.id(), listeners, p.pushedStatus());
        }
        if (p.owedBy() != null) {
            return Listening.NONE;
        }
        Instant due = p.pushedAt().plus(Listening.MIN_GAP);
        save(s, after.id(), shard, new PushState(p.pushedAt(), p.pushedStatus(), p.pushedBy(), due, t.opId()));
        return Listening.later(after.id(), due, t.opId(), p.pushedStatus());
    }

    /** The same transition sent again: what its first run answered. */
    Listening replayed(SqliteSession s, Job job, Transition t) throws SQLException {
        PushState p = push(s, job.id());
        if (p == null) {
            return Listening.NONE;
        }
        if (t.opId().equals(p.pushedBy())) {
            return Listening.now(job.id(), listeners(s, job, t.now()), p.pushedStatus());
        }
        if (t.opId().equals(p.owedBy())) {
            return Listening.later(job.id(), p.owedDue(), t.opId(), p.pushedStatus());
        }
        return Listening.NONE;
    }

    /** {@link com.comfyjobs.job.JobStore#claimPush}, for a job that exists. */
    Optional<Listening> claim(SqliteSession s, Job job, int shard, String claim, Instant now) throws SQLException {
        PushState p = push(s, job.id());
        if (p == null) {
            return Optional.empty();
        }
        List<String> listeners = listeners(s, job, now);
        // the same claim at the same instant is that claim sent again; the file keeps milliseconds
        if (claim != null && claim.equals(p.pushedBy()) && p.pushedAt().equals(IsoMillis.truncate(now)) && p.owedBy() == null) {
            return listeners.isEmpty() ? Optional.empty() : Optional.of(Listening.now(job.id(), listeners, p.pushedStatus()));
        }
        if (p.owedBy() == null) {
            return Optional.empty();
        }
        String owed = claim;
        if (owed == null) {
            if (p.owedDue().isAfter(now)) {
                return Optional.empty();
            }
            owed = p.owedBy();
        }
        if (!owed.equals(p.owedBy())) {
            return Optional.empty();
        }
        if (job.isTerminal() || listeners.isEmpty()) {
            save(s, job.id(), shard, new PushState(p.pushedAt(), p.pushedStatus(), p.pushedBy(), null, null));
            return Optional.empty();
        }
        save(s, job.id(), shard, new PushState(now, job.status(), owed, null, null));
        return Optional.of(Listening.now(job.id(), listeners, p.pushedStatus()));
    }

    /** Jobs of the shard whose owed push was due by {@code now}, oldest debt first. */
    List<String> owed(SqliteSession s, int shard, Instant now, int limit) throws SQLException {
        PreparedStatement ps = s.statement("SELECT job_id FROM pushes WHERE shard = ? AND owed_by IS NOT NULL AND owed_due <= ?"
                + " ORDER BY owed_due LIMIT ?");
        ps.setInt(1, shard);
        ps.setString(2, IsoMillis.format(now));
        ps.setInt(3, limit);
        List<String> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Registrations whose connection has ended, which nothing else deletes: the shard's, and every user's. */
    void purgeEnded(SqliteSession s, int shard, Instant now) throws SQLException {
        PreparedStatement jobs = s.statement("DELETE FROM job_listeners WHERE shard = ? AND until <= ?");
        jobs.setInt(1, shard);
        jobs.setString(2, IsoMillis.format(now));
        jobs.executeUpdate();
        PreparedStatement users = s.statement("DELETE FROM user_listeners WHERE until <= ?");
        users.setString(1, IsoMillis.format(now));
        users.executeUpdate();
    }
}
