package com.comfyjobs.templates.sqlite;

import com.comfyjobs.job.StoredDataException;
import com.comfyjobs.job.sqlite.SqliteDatabase;
import com.comfyjobs.templates.PublishResult;
import com.comfyjobs.templates.StoredTemplate;
import com.comfyjobs.templates.TemplateStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link TemplateStore} in the jobs' SQLite file: {@code templates} holds each name's latest version,
 * its body's SHA-256, the op id of the publish that made it and whether it is live;
 * {@code template_versions} every body ever published. A publish is one {@code BEGIN IMMEDIATE}
 * transaction, as {@code publish.lua} is one script, with the same rules; reads are single statements.
 */
public final class SqliteTemplateStore implements TemplateStore {
    private static final String LATEST = "SELECT t.name, t.latest, v.body FROM templates t"
            + " LEFT JOIN template_versions v ON v.name = t.name AND v.version = t.latest WHERE t.live = 1";

    private final SqliteDatabase db;

    public SqliteTemplateStore(SqliteDatabase db) {
        this.db = db;
    }

    @Override
    public PublishResult publish(String name, String body, String sha256, String opId) {
        return db.write(s -> {
            int latest = 0;
            PreparedStatement find = s.statement("SELECT latest, sha256, op_id, live FROM templates WHERE name = ?");
            find.setString(1, name);
            try (ResultSet rs = find.executeQuery()) {
                if (rs.next()) {
                    latest = rs.getInt(1);
                    // this publish sent again (its caller retried after an outage): answered as it was made
                    if (opId.equals(rs.getString(3))) {
                        return new PublishResult(PublishResult.Outcome.PUBLISHED, latest);
                    }
                    if (rs.getInt(4) == 1 && sha256.equals(rs.getString(2))) {
                        return new PublishResult(PublishResult.Outcome.UNCHANGED, latest);
                    }
                }
            }
            int version = latest + 1;
            PreparedStatement add = s.statement("INSERT INTO template_versions (name, version, body) VALUES (?, ?, ?)");
            add.setString(1, name);
            add.setInt(2, version);
            add.setString(3, body);
            add.executeUpdate();
            PreparedStatement head = s.statement("INSERT INTO templates (name, latest, sha256, op_id, live) VALUES (?, ?, ?, ?, 1)"
                    + " ON CONFLICT (name) DO UPDATE SET latest = excluded.latest, sha256 = excluded.sha256, op_id = excluded.op_id, live = 1");
            head.setString(1, name);
            head.setInt(2, version);
            head.setString(3, sha256);
            head.setString(4, opId);
            head.executeUpdate();
            return new PublishResult(PublishResult.Outcome.PUBLISHED, version);
        });
    }

    @Override
    public Optional<StoredTemplate> latest(String name) {
        return db.read(s -> {
            PreparedStatement ps = s.statement(LATEST + " AND t.name = ?");
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(latestOf(rs)) : Optional.empty();
            }
        });
    }

    @Override
    public Optional<StoredTemplate> version(String name, int version) {
        return db.read(s -> {
            PreparedStatement ps = s.statement("SELECT v.body FROM templates t JOIN template_versions v ON v.name = t.name"
                    + " WHERE t.name = ? AND t.live = 1 AND v.version = ?");
            ps.setString(1, name);
            ps.setInt(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new StoredTemplate(name, version, rs.getString(1))) : Optional.empty();
            }
        });
    }

    @Override
    public List<StoredTemplate> list() {
        return db.read(s -> {
            List<StoredTemplate> out = new ArrayList<>();
            try (ResultSet rs = s.statement(LATEST).executeQuery()) {
                while (rs.next()) {
                    out.add(latestOf(rs));
                }
            }
            return out;
        });
    }

    @Override
    public boolean retire(String name) {
        return db.write(s -> {
            PreparedStatement ps = s.statement("UPDATE templates SET live = 0 WHERE name = ?");
            ps.setString(1, name);
            return ps.executeUpdate() == 1;
        });
    }

    private static StoredTemplate latestOf(ResultSet rs) throws SQLException {
        String name = rs.getString(1);
        int version = rs.getInt(2);
        String body = rs.getString(3);
        if (body == null) {
            throw new StoredDataException("template " + name + " names version " + version + " as its latest, which it does not hold");
        }
        return new StoredTemplate(name, version, body);
    }
}
