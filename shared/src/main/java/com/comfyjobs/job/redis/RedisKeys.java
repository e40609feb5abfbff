package com.comfyjobs.job.redis;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.zip.CRC32;

/**
 * Key names. Everything about one job lives in its shard's hash slot ({@code {sNN.k}}, see
 * {@link ShardTags}; {@code {sNN}} in data of the first version), so a transition and the shard's
 * indexes change in one script; everything about one user lives in the user's slot.
 *
 * <pre>
 * P:{s07}:job:ID        hash: the job
 * P:{s07}:wf:ID         string: its workflow JSON (while the job is live)
 * P:{s07}:active        zset: live job ids scored by heartbeat (ms) - stale detection is a range query
 * P:{s07}:ended         zset: ["status","user","id"] of terminal jobs scored by finish time (ms)
 * P:{s07}:counts        hash: status -> number of jobs
 * P:{s07}:evt:ID:EID    string with TTL: event EID was applied to job ID (an EID that is not a {@link NumberedEventId})
 * P:{s07}:seen:ID       hash with TTL: the numbered events applied to job ID, group -> number ranges "1-57,59-100"
 * P:{s07}:lock          string with TTL: the shard's recovery lock
 * P:{s07}:outbox        zset: jobs with a callback delivery waiting, scored by when it is due (ms)
 * P:{s07}:listen        zset, all scores 0: live listeners j:JOB:CONN and u:USER:CONN of the shard's jobs
 * P:{s07}:listen:exp    zset: the same members scored by their connection's end (ms)
 * P:{s07}:pushes:owed   zset: ids of the shard's jobs that owe a push to live listeners, scored by its due time (ms)
 * P:{user:USER}:jobs    zset: the user's job ids scored by creation time (ms)
 * P:{user:USER}:live    zset: the user's live job ids (the per-user cap)
 * P:{user:USER}:idem:K  string with TTL: an Idempotency-Key record
 * P:{user:USER}:whsec   hash: the user's sealed callback signing secrets
 * P:{user:USER}:usage:D hash with TTL: the user's usage on UTC day D (YYYY-MM-DD)
 * P:{s07}:usage:settled string: ms up to which recovery counted the shard's ended jobs whose usage was left behind
 * P:{meta}:shards       string: the shard count the data was written with, and its tags ({@link ShardTags#marker})
 * P:{meta}:layout       string: the key layout the data is written in (see {@link KeyLayout})
 * P:{tmpl}:live         set: the names of the templates not retired
 * P:{tmpl}:t:NAME       hash: template NAME's versions and its latest version's hash and publish op
 * P:{ws:CONN}:conn      hash with TTL: a WebSocket connection's user and end
 * P:{ws:CONN}:subs      set with TTL: what the connection listens to (job ids, "*" for all the user's jobs)
 * </pre>
 *
 * <p>Job ids are ours (UUIDs); every other part that comes from outside (user ids, Idempotency-Keys,
 * webhook ids) goes through {@link #encode}, so no two inputs share a key and the hash tag is always
 * the one this class chose. Layout 1 put user ids and keys in raw ({@code P:{u:USER}:...}), which let
 * a user id such as {@code u1}:idem:zz} build another user's key or move into another user's slot; it
 * is still readable here so that running deployments can be migrated online.
 */
public final class RedisKeys {
    private final String prefix;
    private final ShardTags tags;
    private final KeyLayout layout;

    /** The names of a deployment written now: {@code shards} shards with {@link ShardTags#spaced} tags. */
    public RedisKeys(String prefix, int shards) {
        this(prefix, ShardTags.spaced(shards), KeyLayout.CURRENT);
    }

    RedisKeys(String prefix, ShardTags tags, KeyLayout layout) {
        this.prefix = prefix;
        this.tags = tags;
        this.layout = layout;
    }

    /** The same names in another layout. */
    RedisKeys in(KeyLayout other) {
        return other == layout ? this : new RedisKeys(prefix, tags, other);
    }

    ShardTags tags() {
        return tags;
    }

    KeyLayout layout() {
        return layout;
    }

    /**
     * Caller text as a key part: {@code %}, {@code {}, {@code }} and {@code :} become {@code %25},
     * {@code %7B}, {@code %7D} and {@code %3A}. Injective (the escape character is escaped too), and the
     * result holds neither a brace nor a colon, so it can neither close a hash tag nor pose as a separator.
     */
    public static String encode(String text) {
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String escaped = switch (c) {
                case '%' -> "%25";
                case '{' -> "%7B";
                case '}' -> "%7D";
                case ':' -> "%3A";
                default -> null;
            };
            if (escaped != null && b == null) {
                b = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (b != null) {
                if (escaped != null) {
                    b.append(escaped);
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? text : b.toString();
    }

    public int shards() {
        return tags.count();
    }

    public int shardOf(String jobId) {
        CRC32 crc = new CRC32();
        crc.update(jobId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % tags.count());
    }

    public String shardTag(int shard) {
        return prefix + ":{" + tags.tag(shard) + "}:";
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
        if (eventId == null) {
            return shardTag(shardOf(jobId)) + "evt:";
        }
        return shardTag(shardOf(jobId)) + "evt:" + jobId + ":" + (layout == KeyLayout.RAW ? eventId : encode(eventId));
    }

    /** The numbered events ({@link NumberedEventId}) applied to a job. */
    public String seenEvents(String jobId) {
        return shardTag(shardOf(jobId)) + "seen:" + jobId;
    }

    public String lock(int shard) {
        return shardTag(shard) + "lock";
    }

    /** Jobs of the shard with a callback delivery waiting, scored by when it is due. */
    public String outbox(int shard) {
        return shardTag(shard) + "outbox";
    }

    /**
     * A user's callback signing secrets. Always in the encoded form, whatever the layout: no data of
     * layout 1 has them, so they never need moving.
     */
    public String webhookSecrets(String userId) {
        return prefix + ":{user:" + encode(userId) + "}:whsec";
    }

    /**
     * The live listeners of the shard's jobs: members {@code j:<job id>:<connection>} and
     * {@code u:<user>:<connection>} (user and connection through {@link #encode}, so neither holds a
     * colon), all scored 0, so that one ZRANGEBYLEX in the transition's own slot finds a job's and its
     * user's listeners. A listener of all of a user's jobs has a member in every shard.
     */
    public String listeners(int shard) {
        return shardTag(shard) + "listen";
    }

    /** The members of {@link #listeners} scored by when their connection ends (ms), so expired ones can be pruned. */
    public String listenerExpiry(int shard) {
        return shardTag(shard) + "listen:exp";
    }

    /** The shard's jobs that owe their live listeners a push (throttled), by when it is due. */
    public String owedPushes(int shard) {
        return shardTag(shard) + "pushes:owed";
    }

    static String jobListener(String jobId, String connectionId) {
        return "j:" + jobId + ":" + encode(connectionId);
    }

    static String userListener(String userId, String connectionId) {
        return "u:" + encode(userId) + ":" + encode(connectionId);
    }

    /** The text {@link #encode} was given. */
    static String decode(String part) {
        if (part.indexOf('%') < 0) {
            return part;
        }
        return part.replace("%3A", ":").replace("%7D", "}").replace("%7B", "{").replace("%25", "%");
    }

    /** A WebSocket connection's record: its user and when it ends (a hash with that TTL). */
    public String connection(String connectionId) {
        return prefix + ":{ws:" + encode(connectionId) + "}:conn";
    }

    /** What a WebSocket connection listens to, for its disconnect (a set with the connection's TTL). */
    public String connectionSubscriptions(String connectionId) {
        return prefix + ":{ws:" + encode(connectionId) + "}:subs";
    }

    private String userTag(String userId) {
        return layout == KeyLayout.RAW ? legacyUserPrefix() + userId + "}:" : prefix + ":{user:" + encode(userId) + "}:";
    }

    /** Where layout 1's user keys begin; they are found by this prefix to be migrated. */
    String legacyUserPrefix() {
        return prefix + ":{u:";
    }

    public String userJobs(String userId) {
        return userTag(userId) + "jobs";
    }

    public String userLive(String userId) {
        return userTag(userId) + "live";
    }

    public String idempotency(String userId, String key) {
        return userTag(userId) + "idem:" + (key == null ? "" : layout == KeyLayout.RAW ? key : encode(key));
    }

    /** The user's usage counters of one UTC day, in the user's slot with the live index they are counted against. */
    public String usage(String userId, LocalDate day) {
        return userTag(userId) + "usage:" + day;
    }

    /** How far (ms of finish time) recovery has looked through the shard's ended jobs for usage left uncounted. */
    public String usageSettled(int shard) {
        return shardTag(shard) + "usage:settled";
    }

    public String shardCountMarker() {
        return prefix + ":{meta}:shards";
    }

    public String layoutMarker() {
        return prefix + ":{meta}:layout";
    }

    /**
     * The names of the templates not retired. Every template key is in the {@code {tmpl}} slot, so a
     * publish is one script; key names do not depend on the key layout.
     */
    public String liveTemplates() {
        return prefix + ":{tmpl}:live";
    }

    public String template(String name) {
        return prefix + ":{tmpl}:t:" + encode(name);
    }
}
