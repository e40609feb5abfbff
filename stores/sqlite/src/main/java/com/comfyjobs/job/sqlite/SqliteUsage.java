package com.comfyjobs.job.sqlite;

import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.UsageDay;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * Usage per user and UTC day, the {@code usage_days} table: counted in the same transaction as the
 * admission or the terminal transition it comes from, so each job is counted once when admitted and
 * once when it ends, and a step sent again (found applied already) counts nothing.
 */
final class SqliteUsage {
    private SqliteUsage() {
    }

    static void countSubmitted(SqliteSession s, String userId, LocalDate day) throws SQLException {
        add(s, userId, day, "submitted", 0);
    }

    static void countEnded(SqliteSession s, String userId, LocalDate day, JobStatus status, long gpuMillis) throws SQLException {
        if (!status.isTerminal()) {
            throw new IllegalArgumentException("a job ends in a terminal status, not " + status);
        }
        add(s, userId, day, status.wire(), gpuMillis);
    }

    /** {@code column} is one of the table's own counter names, never caller text. */
    private static void add(SqliteSession s, String userId, LocalDate day, String column, long gpuMillis) throws SQLException {
        PreparedStatement ps = s.statement("INSERT INTO usage_days (user_id, day, " + column + ", gpu_ms) VALUES (?, ?, 1, ?)"
                + " ON CONFLICT (user_id, day) DO UPDATE SET " + column + " = " + column + " + 1, gpu_ms = gpu_ms + excluded.gpu_ms");
        ps.setString(1, userId);
        ps.setString(2, day.toString());
        ps.setLong(3, gpuMillis);
        ps.executeUpdate();
    }

    static List<UsageDay> read(SqliteSession s, String userId, LocalDate from, LocalDate to) throws SQLException {
        PreparedStatement ps = s.statement("SELECT day, submitted, succeeded, failed, canceled, expired, gpu_ms FROM usage_days"
                + " WHERE user_id = ? AND day >= ? AND day <= ? ORDER BY day");
        ps.setString(1, userId);
        ps.setString(2, from.toString());
        ps.setString(3, to.toString());
        List<UsageDay> days = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                days.add(new UsageDay(LocalDate.parse(rs.getString(1)), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                        rs.getLong(6), rs.getLong(7)));
            }
        }
        return days;
    }

    /** Drops the days past {@link UsageDay#RETENTION} (the Redis store's TTL on a day's counters). */
    static void purge(SqliteSession s, Instant now) throws SQLException {
        PreparedStatement ps = s.statement("DELETE FROM usage_days WHERE day < ?");
        ps.setString(1, UsageDay.dayOf(now.minus(UsageDay.RETENTION)).toString());
        ps.executeUpdate();
    }
}
