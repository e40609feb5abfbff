package com.comfyjobs.job.sqlite;

import com.comfyjobs.job.CallbackAttempt;
import com.comfyjobs.job.Callbacks;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.RecordCallbackOutcome;
import com.comfyjobs.job.Webhook;
import com.comfyjobs.job.WebhookSecrets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Callbacks in the file: the shard's outbox is the jobs whose delivery waits, ordered by
 * {@code cb_outbox_at} (its due time, or its claim's end while a sender holds it); claims and records
 * change the job's {@code cb_...} columns, as callback_claim.lua and callback_record.lua change the
 * job hash; callers' sealed signing secrets are rows of {@code webhook_secrets}. The deliveries
 * themselves are enqueued by the transitions ({@code TransitionApplier}). Every method runs inside the
 * caller's transaction.
 */
final class SqliteCallbacks {
    private static final String DUE = "SELECT " + JobRows.SELECT + " FROM jobs WHERE shard = ? AND cb_outbox_at IS NOT NULL"
            + " AND cb_outbox_at <= ? AND " + JobTable.VISIBLE + " ORDER BY cb_outbox_at, id LIMIT ?";

    private final JobTable table;

    SqliteCallbacks(JobTable table) {
        this.table = table;
    }

    List<Job> claimDue(SqliteSession s, int shard, Instant now, int limit, String owner, Instant leaseUntil) throws SQLException {
        PreparedStatement ps = s.statement(DUE);
        ps.setInt(1, shard);
        ps.setString(2, IsoMillis.format(now));
        ps.setString(3, IsoMillis.format(now));
        ps.setInt(4, limit);
        List<Job> due = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                due.add(table.read(rs));
            }
        }
        List<Job> claimed = new ArrayList<>();
        for (Job j : due) {
            claimed.add(claim(s, j, now, owner, leaseUntil));
        }
        return claimed;
    }

    /** The job's delivery for its first try: only when it is due, never tried, and no other sender holds the job's callbacks. */
    Optional<Job> claimFirst(SqliteSession s, String jobId, Instant now, String owner, Instant leaseUntil) throws SQLException {
        JobTable.Stored stored = table.find(s, jobId, now);
        if (stored == null || stored.job().callbacks() == null) {
            return Optional.empty();
        }
        Callbacks c = stored.job().callbacks();
        if (c.pending() == null || c.pending().attempts() > 0 || c.pending().due().isAfter(now) || c.leasedByAnotherThan(owner, now)) {
            return Optional.empty();
        }
        return Optional.of(claim(s, stored.job(), now, owner, leaseUntil));
    }

    private Job claim(SqliteSession s, Job j, Instant now, String owner, Instant leaseUntil) throws SQLException {
        Callbacks c = j.callbacks();
        Instant progressClaimed = c.pending().event().equals(Webhook.PROGRESS) ? now : c.progressClaimedAt();
        Job claimed = JobRows.asStored(j.toBuilder().callbacks(new Callbacks(c.enqueued(), progressClaimed, c.pending(), leaseUntil, owner,
                c.finished(), c.finishedAttempts(), c.finishedError())).build());
        table.writeBack(s, j, claimed, null);
        return claimed;
    }

    /**
     * Records a try by the claim's owner and releases the claim: the delivery ends (delivered, failed,
     * stopped) or waits for its next try; a delivery replaced meanwhile stays as its replacement left it.
     */
    RecordCallbackOutcome record(SqliteSession s, CallbackAttempt a, Instant now) throws SQLException {
        JobTable.Stored stored = table.find(s, a.jobId(), now);
        if (stored == null || stored.job().callbacks() == null) {
            return RecordCallbackOutcome.NOT_FOUND;
        }
        Job j = stored.job();
        Callbacks c = j.callbacks();
        if (!a.owner().equals(c.leaseOwner())) {
            return RecordCallbackOutcome.LEASE_LOST;
        }
        Callbacks after = c.recorded(a);
        table.writeBack(s, j, JobRows.asStored(j.toBuilder().callbacks(after).build()), null);
        return c.waits(a.deliveryId()) ? RecordCallbackOutcome.RECORDED : RecordCallbackOutcome.SUPERSEDED;
    }

    Optional<Instant> earliestDue(SqliteSession s, int shard) throws SQLException {
        PreparedStatement ps = s.statement("SELECT min(cb_outbox_at) FROM jobs WHERE shard = ? AND cb_outbox_at IS NOT NULL");
        ps.setInt(1, shard);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.ofNullable(IsoMillis.parse(rs.getString(1))) : Optional.empty();
        }
    }

    Optional<WebhookSecrets> secrets(SqliteSession s, String userId) throws SQLException {
        PreparedStatement ps = s.statement("SELECT current, previous, rotated_at FROM webhook_secrets WHERE user_id = ?");
        ps.setString(1, userId);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(new WebhookSecrets(rs.getString(1), rs.getString(2), IsoMillis.parse(rs.getString(3))))
                    : Optional.empty();
        }
    }

    /** Stores {@code sealed} unless the caller has a secret already; answers the one kept. */
    WebhookSecrets create(SqliteSession s, String userId, String sealed) throws SQLException {
        PreparedStatement ps = s.statement("INSERT INTO webhook_secrets (user_id, current) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING");
        ps.setString(1, userId);
        ps.setString(2, sealed);
        ps.executeUpdate();
        return secrets(s, userId).orElseThrow();
    }

    /**
     * The current secret becomes the previous one, replaced now, and {@code sealed} the current one.
     * A rotation whose op made the current secret is that rotation sent again: it changes nothing
     * (without the check it would make the new secret the previous one too and drop the one receivers
     * still verify with).
     */
    WebhookSecrets rotate(SqliteSession s, String userId, String sealed, Instant now, String opId) throws SQLException {
        PreparedStatement find = s.statement("SELECT rotation_op FROM webhook_secrets WHERE user_id = ?");
        find.setString(1, userId);
        boolean exists;
        String lastOp = null;
        try (ResultSet rs = find.executeQuery()) {
            exists = rs.next();
            if (exists) {
                lastOp = rs.getString(1);
            }
        }
        if (exists && opId.equals(lastOp)) {
            return secrets(s, userId).orElseThrow();
        }
        if (exists) {
            PreparedStatement ps = s.statement("UPDATE webhook_secrets SET previous = current, rotated_at = ?, current = ?, rotation_op = ?"
                    + " WHERE user_id = ?");
            ps.setString(1, IsoMillis.format(now));
            ps.setString(2, sealed);
            ps.setString(3, opId);
            ps.setString(4, userId);
            ps.executeUpdate();
        } else {
            PreparedStatement ps = s.statement("INSERT INTO webhook_secrets (user_id, current, rotation_op) VALUES (?, ?, ?)");
            ps.setString(1, userId);
            ps.setString(2, sealed);
            ps.setString(3, opId);
            ps.executeUpdate();
        }
        return secrets(s, userId).orElseThrow();
    }
}
