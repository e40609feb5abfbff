package com.comfyjobs.job.redis;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Key names. Everything about one job lives in its shard's hash slot ({@code {sNN}}), so a transition
 * and the shard's indexes change in one script; everything about one user lives in the user's slot.
 *
 * <pre>
 * P:{s07}:job:ID      hash: the job
 * P:{s07}:wf:ID       string: its workflow JSON
 * P:{s07}:active      zset: live job ids scored by heartbeat (ms) - stale detection is a range query
 * P:{s07}:ended       zset: ["status","user","id"] of terminal jobs scored by finish time (ms)
 * P:{s07}:counts      hash: status -> number of jobs
 * P:{s07}:evt:ID:EID  string with TTL: event EID was applied to job ID
 * P:{s07}:lock        string with TTL: the shard's recovery lock
 * P:{u:USER}:jobs     zset: the user's job ids scored by creation time (ms)
 * P:{u:USER}:live     zset: the user's live job ids (the per-user cap)
 * P:{u:USER}:idem:K   string with TTL: an Idempotency-Key record
 * P:{meta}:shards     string: the shard count the data was written with
 * </pre>
 */
public final class RedisKeys {
    private final String prefix;
    private final int shards;

    public RedisKeys(String prefix, int shards) {
        this.prefix = prefix;
        this.shards = shards;
    }

    public int shards() {
        return shards;
    }

    public int shardOf(String jobId) {
        CRC32 crc = new CRC32();
        crc.update(jobId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % shards);
    }

    public String shardTag(int shard) {
        return prefix + ":{s" + (shard < 10 ? "0" : "") + shard + "}:";
    }

    public String job(String jobId) {
        return shardTag(shardOf(jobId)) + "job:" + jobId;
    }

    public String workflow(String jobId) {
        return shardTag(shardOf(jobId)) + "wf:" + jobId;
    }

    public String active(int shard) {
        return shardTag(shard) + "active";
    }

    public String ended(int shard) {
        return shardTag(shard) + "ended";
    }

    public String counts(int shard) {
        return shardTag(shard) + "counts";
    }

    /** With a null event id, a key of the same slot that the script never touches (KEYS must be fixed). */
    public String event(String jobId, String eventId) {
        return shardTag(shardOf(jobId)) + "evt:" + (eventId == null ? "" : jobId + ":" + eventId);
    }

    public String lock(int shard) {
        return shardTag(shard) + "lock";
    }

    private String userTag(String userId) {
        return prefix + ":{u:" + userId + "}:";
    }

    public String userJobs(String userId) {
        return userTag(userId) + "jobs";
    }

    public String userLive(String userId) {
        return userTag(userId) + "live";
    }

    public String idempotency(String userId, String key) {
        return userTag(userId) + "idem:" + (key == null ? "" : key);
    }

    public String shardCountMarker() {
        return prefix + ":{meta}:shards";
    }
}
