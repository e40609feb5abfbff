package com.comfyjobs.live.sqlite;

import com.comfyjobs.job.sqlite.IsoMillis;
import com.comfyjobs.job.sqlite.SqliteDatabase;
import com.comfyjobs.job.sqlite.SqliteSession;
import com.comfyjobs.live.LiveConnections;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * {@link LiveConnections} in the jobs' SQLite file: {@code connections} holds each connection's user
 * and end, {@code connection_targets} what it listens to. A connection past its end is gone, as
 * Redis forgets the connection's hash at its TTL; each open deletes the ones that ended, which
 * nothing else would. Every method is one transaction, so a disconnect and a subscribe of one
 * connection never interleave.
 */
public final class SqliteLiveConnections implements LiveConnections {
    private final SqliteDatabase db;
    private final Clock clock;

    public SqliteLiveConnections(SqliteDatabase db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    @Override
    public void open(String connectionId, String userId, Instant until) {
        db.write(s -> {
            PreparedStatement ended = s.statement("DELETE FROM connection_targets WHERE connection_id IN"
                    + " (SELECT connection_id FROM connections WHERE until <= ?) OR connection_id = ?");
            ended.setString(1, IsoMillis.format(clock.instant()));
            ended.setString(2, connectionId);
            ended.executeUpdate();
            PreparedStatement gone = s.statement("DELETE FROM connections WHERE until <= ?");
            gone.setString(1, IsoMillis.format(clock.instant()));
            gone.executeUpdate();
            PreparedStatement ps = s.statement("INSERT OR REPLACE INTO connections (connection_id, user_id, until) VALUES (?, ?, ?)");
            ps.setString(1, connectionId);
            ps.setString(2, userId);
            ps.setString(3, IsoMillis.format(until));
            ps.executeUpdate();
            return null;
        });
    }

    @Override
    public Optional<Remembered> remember(String connectionId, String target) {
        return db.write(s -> {
            String user = userOf(s, connectionId);
            if (user == null) {
                return Optional.empty();
            }
            PreparedStatement add = s.statement("INSERT OR IGNORE INTO connection_targets (connection_id, target) VALUES (?, ?)");
            add.setString(1, connectionId);
            add.setString(2, target);
            add.executeUpdate();
            PreparedStatement count = s.statement("SELECT count(*) FROM connection_targets WHERE connection_id = ?");
            count.setString(1, connectionId);
            try (ResultSet rs = count.executeQuery()) {
                rs.next();
                return Optional.of(new Remembered(user, rs.getLong(1)));
            }
        });
    }

    @Override
    public Optional<String> forget(String connectionId, String target) {
        return db.write(s -> {
            String user = userOf(s, connectionId);
            if (user == null) {
                return Optional.empty();
            }
            PreparedStatement ps = s.statement("DELETE FROM connection_targets WHERE connection_id = ? AND target = ?");
            ps.setString(1, connectionId);
            ps.setString(2, target);
            ps.executeUpdate();
            return Optional.of(user);
        });
    }

    @Override
    public Optional<Closed> close(String connectionId) {
        return db.write(s -> {
            String user = userOf(s, connectionId);
            Set<String> targets = new LinkedHashSet<>();
            PreparedStatement read = s.statement("SELECT target FROM connection_targets WHERE connection_id = ?");
            read.setString(1, connectionId);
            try (ResultSet rs = read.executeQuery()) {
                while (rs.next()) {
                    targets.add(rs.getString(1));
                }
            }
            for (String sql : new String[] {"DELETE FROM connection_targets WHERE connection_id = ?",
                "DELETE FROM connections WHERE connection_id = ?"}) {
                PreparedStatement ps = s.statement(sql);
                ps.setString(1, connectionId);
                ps.executeUpdate();
            }
            return user == null ? Optional.empty() : Optional.of(new Closed(user, Set.copyOf(targets)));
        });
    }

    /** The connection's user while it lasts; null when it is unknown or ended. */
    private String userOf(SqliteSession s, String connectionId) throws SQLException {
        PreparedStatement ps = s.statement("SELECT user_id FROM connections WHERE connection_id = ? AND until > ?");
        ps.setString(1, connectionId);
        ps.setString(2, IsoMillis.format(clock.instant()));
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
