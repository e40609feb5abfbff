package com.comfyjobs.job.sqlite;

import com.comfyjobs.job.Job;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;

/**
 * The {@code jobs} table and what hangs off a row (its workflow, event markers, live listeners and
 * push state): reading a job, inserting it, writing a change back, removing it. Every method runs
 * inside the caller's transaction.
 */
final class JobTable {
    /** A row past its retention is gone to every read, as Redis forgets a job hash at its TTL. */
    static final String VISIBLE = "(expires_at IS NULL OR expires_at > ?)";
    private static final String FIND = "SELECT last_op, " + JobRows.SELECT + " FROM jobs WHERE id = ? AND " + VISIBLE;
    private static final String INSERT = "INSERT INTO jobs (shard, ended, expires_at, last_op, " + JobRows.SELECT + ") VALUES (?, 0, NULL, NULL, "
            + JobRows.COLUMNS.stream().map(c -> "?").collect(Collectors.joining(", ")) + ")";

    /** A job as read, with the op id of the last transition applied to it. */
    record Stored(Job job, String lastOp) {
    }

    private final JobRows rows = new JobRows();
    private final ToIntFunction<String> shardOf;
    private final Duration retention;

    JobTable(ToIntFunction<String> shardOf, Duration retention) {
        this.shardOf = shardOf;
        this.retention = retention;
    }

    /** The job, unless it is unknown or past its retention at {@code now}. */
    Stored find(SqliteSession s, String jobId, Instant now) throws SQLException {
        PreparedStatement ps = s.statement(FIND);
        ps.setString(1, jobId);
        ps.setString(2, IsoMillis.format(now));
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new Stored(rows.read(rs), rs.getString("last_op")) : null;
        }
    }

    /** The job in the current row of {@code rs}, which selected at least {@link JobRows#SELECT}. */
    Job read(ResultSet rs) throws SQLException {
        return rows.read(rs);
    }

    void insert(SqliteSession s, Job job) throws SQLException {
        PreparedStatement ps = s.statement(INSERT);
        ps.setInt(1, shardOf.applyAsInt(job.id()));
        JobRows.bind(ps, 2, rows.values(job), JobRows.COLUMNS);
        ps.executeUpdate();
    }

    /**
     * Writes back the columns that differ between {@code before} and {@code after}, with the op id of
     * the transition that made the change (null for bookkeeping that is no transition: a callback's
     * claim or record). Setting a column, even to the value it has, makes SQLite rework every index on
     * it: a progress event then touches the stale index alone, not the user's, the status and the
     * ended ones as well (fewer pages per commit, less WAL, fewer checkpoints).
     */
    void writeBack(SqliteSession s, Job before, Job after, String opId) throws SQLException {
        Map<String, Object> was = rows.values(before);
        Map<String, Object> now = rows.values(after);
        List<String> changed = JobRows.COLUMNS.stream().filter(c -> !Objects.equals(was.get(c), now.get(c))).toList();
        boolean ends = after.isTerminal() && !before.isTerminal();
        if (changed.isEmpty() && opId == null) {
            return;
        }
        List<String> sets = new ArrayList<>();
        if (opId != null) {
            sets.add("last_op = ?");
        }
        if (ends) {
            sets.add("ended = 1");
            sets.add("expires_at = ?");
        }
        changed.forEach(c -> sets.add(c + " = ?"));
        PreparedStatement ps = s.statement("UPDATE jobs SET " + String.join(", ", sets) + " WHERE id = ?");
        int i = 1;
        if (opId != null) {
            ps.setString(i++, opId);
        }
        if (ends) {
            ps.setString(i++, IsoMillis.format(after.finishedAt().plus(retention)));
        }
        i = JobRows.bind(ps, i, now, changed);
        ps.setString(i, after.id());
        ps.executeUpdate();
    }

    void deleteWorkflow(SqliteSession s, String jobId) throws SQLException {
        PreparedStatement ps = s.statement("DELETE FROM workflows WHERE job_id = ?");
        ps.setString(1, jobId);
        ps.executeUpdate();
    }

    /** Removes the job and all that hangs off it; false when there was no such row. */
    boolean remove(SqliteSession s, String jobId) throws SQLException {
        PreparedStatement ps = s.statement("DELETE FROM jobs WHERE id = ?");
        ps.setString(1, jobId);
        boolean existed = ps.executeUpdate() == 1;
        deleteWorkflow(s, jobId);
        for (String sql : List.of("DELETE FROM events WHERE job_id = ?", "DELETE FROM job_listeners WHERE job_id = ?",
                "DELETE FROM pushes WHERE job_id = ?")) {
            PreparedStatement rest = s.statement(sql);
            rest.setString(1, jobId);
            rest.executeUpdate();
        }
        return existed;
    }
}
