package com.comfyjobs.job.redis;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.PurgeResult;
import com.comfyjobs.job.StaleBatch;
import com.comfyjobs.job.StoredDataException;
import com.fasterxml.jackson.databind.JsonNode;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * What works shard by shard: the status counters, the stale range recovery walks, the retention purge
 * and the shard's recovery lock.
 */
final class RedisShards extends RedisStorePart {
    private final LuaScript purge = LuaScript.load("purge.lua");
    private final LuaScript unlock = LuaScript.load("unlock.lua");
    private final RedisUserIndex users;

    RedisShards(RedisStorePart shared, RedisUserIndex users) {
        super(shared);
        this.users = users;
    }

    List<LuaScript> scripts() {
        return List.of(purge, unlock);
    }

    Map<JobStatus, Long> countByStatus() {
        RedisKeys k = keys();
        RedisClusterAsyncCommands<String, String> c = cmd();
        List<CompletableFuture<Map<String, String>>> all = new ArrayList<>();
        for (int s = 0; s < k.shards(); s++) {
            all.add(c.hgetall(k.counts(s)).toCompletableFuture());
        }
        Map<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
        for (JobStatus st : JobStatus.values()) {
            counts.put(st, 0L);
        }
        for (CompletableFuture<Map<String, String>> f : all) {
            for (Map.Entry<String, String> e : redis.await(f).entrySet()) {
                counts.merge(JobStatus.fromWire(e.getKey()), Long.parseLong(e.getValue()), Long::sum);
            }
        }
        return counts;
    }

    /** One entry of each shard's stale range and of its range past retention, asked of all shards before any answer is awaited. */
    Set<Integer> shardsWithWork(Instant heartbeatBefore, Instant finishedBefore, Instant unsettledEndedBefore) {
        RedisKeys k = keys();
        RedisClusterAsyncCommands<String, String> c = cmd();
        Range<Double> stale = Range.create(Double.NEGATIVE_INFINITY, (double) heartbeatBefore.toEpochMilli());
        Range<Double> past = Range.create(Double.NEGATIVE_INFINITY, (double) finishedBefore.toEpochMilli());
        List<CompletableFuture<List<String>>> asked = new ArrayList<>();
        List<CompletableFuture<String>> settled = new ArrayList<>();
        for (int s = 0; s < k.shards(); s++) {
            asked.add(c.zrangebyscore(k.active(s), stale, Limit.create(0, 1)).toCompletableFuture());
            asked.add(c.zrangebyscore(k.ended(s), past, Limit.create(0, 1)).toCompletableFuture());
            settled.add(c.get(k.usageSettled(s)).toCompletableFuture());
        }
        Set<Integer> busy = new TreeSet<>();
        for (int i = 0; i < asked.size(); i++) {
            if (!redis.await(asked.get(i)).isEmpty()) {
                busy.add(i / 2);
            }
        }
        // a second round trip, for the shards with nothing else to do: has a job ended there since the
        // usage cursor that recovery may have to count (its usage step lost)?
        Map<Integer, CompletableFuture<List<String>>> unsettled = new LinkedHashMap<>();
        for (int s = 0; s < k.shards(); s++) {
            String mark = redis.await(settled.get(s));
            if (!busy.contains(s)) {
                Range.Boundary<Double> from = mark == null ? Range.Boundary.unbounded() : Range.Boundary.excluding(Double.parseDouble(mark));
                unsettled.put(s, c.zrangebyscore(k.ended(s), Range.from(from, Range.Boundary.including((double) unsettledEndedBefore.toEpochMilli())),
                        Limit.create(0, 1)).toCompletableFuture());
            }
        }
        unsettled.forEach((s, f) -> {
            if (!redis.await(f).isEmpty()) {
                busy.add(s);
            }
        });
        return busy;
    }

    StaleBatch findStale(int shard, Instant heartbeatBefore, StaleBatch.Position after, int limit) {
        RedisKeys k = keys();
        RedisClusterAsyncCommands<String, String> c = cmd();
        double from = after == null ? Double.NEGATIVE_INFINITY : after.heartbeatMillis();
        Range<Double> range = Range.create(from, (double) heartbeatBefore.toEpochMilli());
        List<ScoredValue<String>> entries = new ArrayList<>();
        boolean more = false;
        int offset = 0;
        // entries tied with the position were seen already; a full page of them is stepped over
        while (true) {
            List<ScoredValue<String>> page = redis.await(c.zrangebyscoreWithScores(k.active(shard), range, Limit.create(offset, limit)));
            for (ScoredValue<String> e : page) {
                if (after == null || after.isBefore((long) e.getScore(), e.getValue())) {
                    entries.add(e);
                }
            }
            more = page.size() == limit;
            if (!entries.isEmpty() || !more) {
                break;
            }
            offset += page.size();
        }
        List<CompletableFuture<Map<String, String>>> loads = new ArrayList<>();
        for (ScoredValue<String> e : entries) {
            loads.add(c.hgetall(k.job(e.getValue())).toCompletableFuture());
        }
        List<Job> jobs = new ArrayList<>();
        List<StaleBatch.Unreadable> unreadable = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String id = entries.get(i).getValue();
            Map<String, String> h = redis.await(loads.get(i));
            if (h.isEmpty()) {
                gone.add(id);
                continue;
            }
            try {
                jobs.add(codec.decode(h));
            } catch (StoredDataException e) {
                unreadable.add(new StaleBatch.Unreadable(id, e.getMessage()));
            }
        }
        if (!gone.isEmpty()) {
            redis.await(c.zrem(k.active(shard), gone.toArray(String[]::new)));
        }
        StaleBatch.Position next = null;
        if (more && !entries.isEmpty()) {
            ScoredValue<String> last = entries.get(entries.size() - 1);
            next = new StaleBatch.Position((long) last.getScore(), last.getValue());
        }
        return new StaleBatch(jobs, unreadable, next);
    }

    PurgeResult purge(int shard, Instant finishedBefore, int limit) {
        RedisKeys k = keys();
        RedisClusterAsyncCommands<String, String> c = cmd();
        List<String> members = redis.await(c.zrangebyscore(k.ended(shard),
                Range.create(Double.NEGATIVE_INFINITY, (double) finishedBefore.toEpochMilli()), Limit.create(0, limit)));
        if (members.isEmpty()) {
            return new PurgeResult(0, 0);
        }
        String[] scriptKeys = new String[2 + members.size() * 2];
        scriptKeys[0] = k.ended(shard);
        scriptKeys[1] = k.counts(shard);
        Map<String, List<String>> byUser = new LinkedHashMap<>();
        for (int i = 0; i < members.size(); i++) {
            String[] entry = endedEntry(members.get(i));
            scriptKeys[2 + 2 * i] = k.job(entry[2]);
            scriptKeys[3 + 2 * i] = k.workflow(entry[2]);
        }
        List<Object> purged = redis.await(purge.<List<Object>>call(c, ScriptOutputType.MULTI, scriptKeys,
                members.toArray(String[]::new)));
        for (Object m : purged) {
            String[] entry = endedEntry((String) m);
            byUser.computeIfAbsent(entry[1], u -> new ArrayList<>()).add(entry[2]);
        }
        List<CompletableFuture<Long>> removals = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : byUser.entrySet()) {
            String[] ids = e.getValue().toArray(String[]::new);
            for (String index : users.userIndexes(e.getKey())) {
                removals.add(c.zrem(index, ids).toCompletableFuture());
            }
        }
        int pruned = 0;
        for (CompletableFuture<Long> f : removals) {
            pruned += redis.await(f).intValue();
        }
        return new PurgeResult(purged.size(), pruned);
    }

    /** An ended-set member: ["status", "user", "id"]. */
    private String[] endedEntry(String member) {
        try {
            JsonNode a = json.readTree(member);
            return new String[] {a.get(0).asText(), a.get(1).asText(), a.get(2).asText()};
        } catch (Exception e) {
            throw new StoredDataException("ended-set entry is unreadable: " + member, e);
        }
    }

    /**
     * A refused SET NX may be our own: a SET whose reply was lost and which was sent again finds the
     * lock it took. The owner is unique per run, so finding it is holding it.
     */
    boolean tryLockShard(int shard, String owner, Duration ttl) {
        String lock = keys().lock(shard);
        String ok = redis.await(cmd().set(lock, owner, SetArgs.Builder.nx().px(ttl.toMillis())));
        return "OK".equals(ok) || owner.equals(redis.await(cmd().get(lock)));
    }

    void unlockShard(int shard, String owner) {
        redis.await(unlock.<Long>call(cmd(), ScriptOutputType.INTEGER, new String[] {keys().lock(shard)}, owner));
    }
}
