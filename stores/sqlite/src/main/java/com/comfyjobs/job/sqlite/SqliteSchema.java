package com.comfyjobs.job.sqlite;

import com.comfyjobs.config.ConfigException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * The tables of the file (jobs', templates' and WebSocket connections' alike) and their versions. {@code PRAGMA user_version}
 * records the schema a file was brought to; opening it runs the steps it lacks, in the open's
 * {@code BEGIN IMMEDIATE} transaction, so two processes opening a new file at once create it once.
 * A file from a newer version is refused rather than misread. Timestamps are ISO-8601 text
 * ({@link IsoMillis}); lists and objects JSON, in the shapes the Redis store's hash fields use.
 */
final class SqliteSchema {
    /** Each version's statements; a file at version n has run the first n entries. */
    private static final List<List<String>> STEPS = List.of(List.of(
            """
            CREATE TABLE jobs (
              id TEXT PRIMARY KEY,
              user_id TEXT NOT NULL,
              shard INTEGER NOT NULL,
              ended INTEGER NOT NULL,
              expires_at TEXT,
              last_op TEXT,
              type TEXT NOT NULL,
              character_id TEXT,
              status TEXT NOT NULL,
              progress REAL NOT NULL,
              current_node TEXT,
              step_value INTEGER,
              step_max INTEGER,
              attempt INTEGER NOT NULL,
              comfy_server TEXT,
              prompt_id TEXT,
              created_at TEXT NOT NULL,
              updated_at TEXT NOT NULL,
              started_at TEXT,
              finished_at TEXT,
              heartbeat_at TEXT NOT NULL,
              submitted_at TEXT,
              lease_until TEXT,
              lease_owner TEXT,
              outputs TEXT NOT NULL,
              artifacts TEXT NOT NULL,
              error TEXT,
              cancel_requested INTEGER NOT NULL,
              idempotency_key TEXT,
              metadata TEXT,
              node_count INTEGER NOT NULL,
              cached_nodes TEXT NOT NULL,
              finished_nodes TEXT NOT NULL,
              workflow_sha256 TEXT,
              workflow_bytes INTEGER NOT NULL,
              template TEXT,
              template_version INTEGER NOT NULL,
              seed INTEGER,
              inputs TEXT NOT NULL,
              sent_graph TEXT,
              artifacts_deleted INTEGER NOT NULL,
              webhook TEXT,
              cb_enqueued INTEGER,
              cb_progress_claimed_at TEXT,
              cb_id TEXT,
              cb_event TEXT,
              cb_at TEXT,
              cb_due TEXT,
              cb_attempts INTEGER,
              cb_error TEXT,
              cb_lease_until TEXT,
              cb_lease_owner TEXT,
              cb_finished TEXT,
              cb_finished_attempts INTEGER,
              cb_finished_error TEXT,
              cb_outbox_at TEXT
            )""",
            // a user's jobs newest first (listing, counting); ties on the time in id order, as the cursor reads them
            "CREATE INDEX jobs_by_user ON jobs (user_id, created_at DESC, id DESC)",
            // the per-user cap counts only live jobs, without reading the user's retained ones
            "CREATE INDEX jobs_live_by_user ON jobs (user_id) WHERE ended = 0",
            "CREATE INDEX jobs_by_status ON jobs (status)",
            // recovery's stale range: a shard's live jobs by heartbeat, then id
            "CREATE INDEX jobs_stale ON jobs (shard, heartbeat_at, id) WHERE ended = 0",
            // retention purge: a shard's ended jobs by finish time
            "CREATE INDEX jobs_ended ON jobs (shard, finished_at) WHERE ended = 1",
            // the callbacks outbox: a shard's jobs with a delivery waiting, by when it is next up
            "CREATE INDEX jobs_outbox ON jobs (shard, cb_outbox_at, id) WHERE cb_outbox_at IS NOT NULL",
            "CREATE TABLE workflows (job_id TEXT PRIMARY KEY, body TEXT NOT NULL)",
            """
            CREATE TABLE idempotency (
              user_id TEXT NOT NULL,
              key TEXT NOT NULL,
              fingerprint TEXT NOT NULL,
              job_id TEXT NOT NULL,
              created_at TEXT NOT NULL,
              expires_at TEXT NOT NULL,
              shard INTEGER NOT NULL,
              PRIMARY KEY (user_id, key)
            )""",
            "CREATE INDEX idempotency_expiry ON idempotency (shard, expires_at)",
            """
            CREATE TABLE events (
              job_id TEXT NOT NULL,
              event_id TEXT NOT NULL,
              shard INTEGER NOT NULL,
              expires_at TEXT NOT NULL,
              PRIMARY KEY (job_id, event_id)
            ) WITHOUT ROWID""",
            "CREATE INDEX events_expiry ON events (shard, expires_at)",
            "CREATE TABLE shard_locks (shard INTEGER PRIMARY KEY, owner TEXT NOT NULL, expires_at TEXT NOT NULL)",
            """
            CREATE TABLE webhook_secrets (
              user_id TEXT PRIMARY KEY,
              current TEXT NOT NULL,
              previous TEXT,
              rotated_at TEXT,
              rotation_op TEXT
            )""",
            """
            CREATE TABLE job_listeners (
              job_id TEXT NOT NULL,
              connection_id TEXT NOT NULL,
              shard INTEGER NOT NULL,
              until TEXT NOT NULL,
              PRIMARY KEY (job_id, connection_id)
            ) WITHOUT ROWID""",
            "CREATE INDEX job_listeners_expiry ON job_listeners (shard, until)",
            """
            CREATE TABLE user_listeners (
              user_id TEXT NOT NULL,
              connection_id TEXT NOT NULL,
              until TEXT NOT NULL,
              PRIMARY KEY (user_id, connection_id)
            ) WITHOUT ROWID""",
            "CREATE INDEX user_listeners_expiry ON user_listeners (until)",
            """
            CREATE TABLE pushes (
              job_id TEXT PRIMARY KEY,
              shard INTEGER NOT NULL,
              pushed_at TEXT NOT NULL,
              pushed_status TEXT,
              pushed_by TEXT,
              owed_due TEXT,
              owed_by TEXT
            )""",
            // owed pushes whose maker never made them, for the recovery run's sweep
            "CREATE INDEX pushes_owed ON pushes (shard, owed_due) WHERE owed_by IS NOT NULL",
            "CREATE TABLE connections (connection_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, until TEXT NOT NULL)",
            "CREATE INDEX connections_expiry ON connections (until)",
            """
            CREATE TABLE connection_targets (
              connection_id TEXT NOT NULL,
              target TEXT NOT NULL,
              PRIMARY KEY (connection_id, target)
            ) WITHOUT ROWID""",
            "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            """
            CREATE TABLE templates (
              name TEXT PRIMARY KEY,
              latest INTEGER NOT NULL,
              sha256 TEXT NOT NULL,
              op_id TEXT NOT NULL,
              live INTEGER NOT NULL
            )""",
            """
            CREATE TABLE template_versions (
              name TEXT NOT NULL,
              version INTEGER NOT NULL,
              body TEXT NOT NULL,
              PRIMARY KEY (name, version)
            )"""),
            // version 2: usage per user and UTC day, and the GPU time each job's attempts spent running
            List.of(
            "ALTER TABLE jobs ADD COLUMN gpu_ms INTEGER NOT NULL DEFAULT 0",
            """
            CREATE TABLE usage_days (
              user_id TEXT NOT NULL,
              day TEXT NOT NULL,
              submitted INTEGER NOT NULL DEFAULT 0,
              succeeded INTEGER NOT NULL DEFAULT 0,
              failed INTEGER NOT NULL DEFAULT 0,
              canceled INTEGER NOT NULL DEFAULT 0,
              expired INTEGER NOT NULL DEFAULT 0,
              gpu_ms INTEGER NOT NULL DEFAULT 0,
              PRIMARY KEY (user_id, day)
            )"""));

    private SqliteSchema() {
    }

    static int current() {
        return STEPS.size();
    }

    /** Brings the file to {@link #current()}; {@code where} names it in a refusal. */
    static void upgrade(SqliteSession s, String where) throws SQLException {
        int version;
        try (ResultSet rs = s.statement("PRAGMA user_version").executeQuery()) {
            version = rs.next() ? rs.getInt(1) : 0;
        }
        if (version > current()) {
            throw new ConfigException(where + " holds schema version " + version + ", written by a newer ComfyJobs; this one"
                    + " knows versions up to " + current());
        }
        for (int v = version; v < current(); v++) {
            for (String sql : STEPS.get(v)) {
                s.execute(sql);
            }
        }
        if (version < current()) {
            s.execute("PRAGMA user_version = " + current());
        }
    }
}
