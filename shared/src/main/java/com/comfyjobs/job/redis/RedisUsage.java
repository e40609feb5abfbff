package com.comfyjobs.job.redis;

import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.StoredDataException;
import com.comfyjobs.job.UsageDay;
import com.fasterxml.jackson.databind.JsonNode;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Usage per user and UTC day, in the user's slot ({@code P:{user:U}:usage:YYYY-MM-DD}, a hash of
 * {@code submitted}, {@code succeeded}, {@code failed}, {@code canceled}, {@code expired} and
 * {@code gpu_ms}). Admission counts {@code submitted} (admit.lua); an end is counted by
 * {@code usage_end.lua} as the job leaves the user's live index, by whoever removes it: the terminal
 * transition's second step, the cap's repair of the index, or {@link #settle} when that step was lost.
 */
final class RedisUsage extends RedisStorePart {
    private final LuaScript end = LuaScript.load("usage_end.lua");

    RedisUsage(RedisStorePart shared) {
        super(shared);
    }

    List<LuaScript> scripts() {
        return List.of(end);
    }

    /** Counts the end of {@code jobId} unless it left the user's live index already; true when counted here. */
    boolean countEnded(String userId, String jobId, JobStatus status, Instant finishedAt, long gpuMillis) {
        return redis.await(countEndedAsync(userId, jobId, status, finishedAt, gpuMillis)) == 1L;
    }

    /** {@link #countEnded} sent, not awaited: 1 when this call counted the end. */
    CompletableFuture<Long> countEndedAsync(String userId, String jobId, JobStatus status, Instant finishedAt, long gpuMillis) {
        return endCall(cmd(), userId, jobId, status, finishedAt, gpuMillis);
    }

    private CompletableFuture<Long> endCall(RedisClusterAsyncCommands<String, String> c, String userId, String jobId, JobStatus status,
                                            Instant finishedAt, long gpuMillis) {
        layout.adoptUser(c, userId);
        RedisKeys k = keys();
        return end.<Long>call(c, ScriptOutputType.INTEGER, new String[] {k.userLive(userId), k.usage(userId, UsageDay.dayOf(finishedAt))},
                jobId, status.wire(), Long.toString(gpuMillis), Long.toString(UsageDay.RETENTION.toMillis())).toCompletableFuture();
    }

    /** The GPU time stored on the job (0 when it never left running, or is gone). */
    long gpuMillis(String jobId) {
        String v = redis.await(cmd().hget(keys().job(jobId), JobHashCodec.GPU_MILLIS));
        return v == null ? 0 : Long.parseLong(v);
    }

    List<UsageDay> read(String userId, LocalDate from, LocalDate to) {
        RedisClusterAsyncCommands<String, String> c = cmd();
        RedisKeys k = keys();
        List<LocalDate> days = from.datesUntil(to.plusDays(1)).toList();
        List<CompletableFuture<Map<String, String>>> reads = new ArrayList<>();
        for (LocalDate d : days) {
            reads.add(c.hgetall(k.usage(userId, d)).toCompletableFuture());
        }
        List<UsageDay> out = new ArrayList<>();
        for (int i = 0; i < days.size(); i++) {
            Map<String, String> h = redis.await(reads.get(i));
            if (!h.isEmpty()) {
                out.add(decode(days.get(i), h));
            }
        }
        return out;
    }

    private static UsageDay decode(LocalDate day, Map<String, String> h) {
        try {
            return new UsageDay(day, count(h, "submitted"), count(h, JobStatus.SUCCEEDED.wire()), count(h, JobStatus.FAILED.wire()),
                    count(h, JobStatus.CANCELED.wire()), count(h, JobStatus.EXPIRED.wire()), count(h, "gpu_ms"));
        } catch (NumberFormatException e) {
            throw new StoredDataException("usage of " + day + " is unreadable: " + h, e);
        }
    }

    private static long count(Map<String, String> h, String field) {
        String v = h.get(field);
        return v == null ? 0 : Long.parseLong(v);
    }

    /**
     * Recovery's repair of ends whose usage step was lost: walks the shard's ended set by finish time
     * from where the last call stopped ({@code usage:settled}) up to {@code endedBefore}, and counts
     * every job still in its user's live index. Ends newer than {@code endedBefore} are left to their
     * own terminal path, which is still running or just failed; counting is guarded by the index either
     * way, so a race with it counts once.
     */
    int settle(int shard, Instant endedBefore, int limit) {
        RedisClusterAsyncCommands<String, String> c = cmd();
        RedisKeys k = keys();
        String mark = redis.await(c.get(k.usageSettled(shard)));
        double from = mark == null ? Double.NEGATIVE_INFINITY : Double.parseDouble(mark);
        List<ScoredValue<String>> ended = redis.await(c.zrangebyscoreWithScores(k.ended(shard),
                Range.create(from, (double) endedBefore.toEpochMilli()), Limit.create(0, limit)));
        if (ended.isEmpty()) {
            // the cursor stays: a quiet shard costs two reads a run, and nothing is skipped by not moving it
            return 0;
        }
        List<String[]> entries = new ArrayList<>();
        List<CompletableFuture<Double>> inLive = new ArrayList<>();
        for (ScoredValue<String> e : ended) {
            String[] entry = entry(e.getValue());
            layout.adoptUser(c, entry[1]);
            entries.add(entry);
            inLive.add(c.zscore(k.userLive(entry[1]), entry[2]).toCompletableFuture());
        }
        int counted = 0;
        for (int i = 0; i < entries.size(); i++) {
            if (redis.await(inLive.get(i)) != null) {
                String[] entry = entries.get(i);
                Instant finished = Instant.ofEpochMilli((long) ended.get(i).getScore());
                if (countEnded(entry[1], entry[2], JobStatus.fromWire(entry[0]), finished, gpuMillis(entry[2]))) {
                    counted++;
                }
            }
        }
        // a full batch may stop among entries of one millisecond: the next call starts at that one again
        long next = ended.size() == limit ? (long) ended.get(ended.size() - 1).getScore() : endedBefore.toEpochMilli();
        redis.await(c.set(k.usageSettled(shard), Long.toString(next)));
        return counted;
    }

    /** An ended-set member: ["status", "user", "id"]. */
    private String[] entry(String member) {
        try {
            JsonNode a = json.readTree(member);
            return new String[] {a.get(0).asText(), a.get(1).asText(), a.get(2).asText()};
        } catch (Exception e) {
            throw new StoredDataException("ended-set entry is unreadable: " + member, e);
        }
    }
}
