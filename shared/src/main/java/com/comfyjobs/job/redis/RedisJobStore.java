package com.comfyjobs.job.redis;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.job.CreateResult;
import com.comfyjobs.job.IdempotencyClaim;
import com.comfyjobs.job.IdempotencyRecord;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobPage;
import com.comfyjobs.job.ListCursor;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PurgeResult;
import com.comfyjobs.job.StoredDataException;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.TransitionOutcome;
import com.comfyjobs.job.TransitionResult;
import com.comfyjobs.job.Workflow;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@link JobStore} on Redis, standalone or cluster (design section 3). Every state change is one Lua
 * script in one hash slot; the user's indexes, in another slot, cost a second command only on
 * admission, on the terminal transition and on deletion.
 */
public final class RedisJobStore implements JobStore {
    /** An index entry younger than this may belong to an admission still under way; never prune it. */
    static final Duration INDEX_GRACE = Duration.ofMinutes(2);
    private static final int LIST_BATCH = 100;
    private static final int LIST_SCAN_BUDGET = 1000;

    private final RedisConnection redis;
    private final RedisSettings settings;
    private final RedisKeys keys;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();
    private final JobHashCodec codec = new JobHashCodec(json);
    private final RedisTransitionSpec specs = new RedisTransitionSpec(json, codec);
    private final LuaScript admit = LuaScript.load("admit.lua");
    private final LuaScript insert = LuaScript.load("insert.lua");
    private final LuaScript transition = LuaScript.load("transition.lua");
    private final LuaScript delete = LuaScript.load("delete.lua");
    private final LuaScript purge = LuaScript.load("purge.lua");
    private final LuaScript unlock = LuaScript.load("unlock.lua");
    private volatile boolean layoutChecked;

    public RedisJobStore(RedisConnection redis, Clock clock) {
        this.redis = redis;
        this.settings = redis.settings();
        this.keys = new RedisKeys(settings.keyPrefix(), settings.shards());
        this.clock = clock;
    }

    public static RedisJobStore connect(RedisSettings settings) {
        return new RedisJobStore(new RedisConnection(settings), Clock.systemUTC());
    }

    public RedisConnection connection() {
        return redis;
    }

    /**
     * Loads every script and checks the key layout now rather than on the first request: for SnapStart
     * priming and for failing fast at start on a wrong REDIS_SHARDS.
     */
    public void prime() {
        RedisClusterAsyncCommands<String, String> c = cmd();
        for (LuaScript s : List.of(admit, insert, transition, delete, purge, unlock)) {
            redis.await(c.scriptLoad(s.source()));
        }
    }

    @Override
    public int shardCount() {
        return keys.shards();
    }

    @Override
    public int shardOf(String jobId) {
        return keys.shardOf(jobId);
    }

    @Override
    public CreateResult create(NewJob n) {
        Job job = n.job();
        String user = job.userId();
        IdempotencyClaim claim = n.idempotency();
        List<Object> admitted = admitCall(n);
        if ("limit".equals(admitted.get(0)) && repairLiveIndex(user)) {
            admitted = admitCall(n);
        }
        switch ((String) admitted.get(0)) {
            case "admitted":
                break;
            case "limit":
                return CreateResult.activeLimit((Long) admitted.get(1));
            case "replay":
                return CreateResult.replay(idempotencyRecord(claim.key(), (String) admitted.get(1)));
            case "mismatch":
                return CreateResult.mismatch(idempotencyRecord(claim.key(), (String) admitted.get(1)));
            default:
                throw new IllegalStateException("admit.lua answered " + admitted.get(0));
        }
        Map<String, String> fields = codec.encode(job);
        String[] args = new String[3 + fields.size() * 2];
        args[0] = job.id();
        args[1] = JobHashCodec.millis(job.heartbeatAt());
        args[2] = n.workflow().json();
        int i = 3;
        for (Map.Entry<String, String> f : fields.entrySet()) {
            args[i++] = f.getKey();
            args[i++] = f.getValue();
        }
        int shard = keys.shardOf(job.id());
        Long stored = redis.await(insert.<Long>call(cmd(), ScriptOutputType.INTEGER,
                new String[] {keys.job(job.id()), keys.workflow(job.id()), keys.active(shard), keys.counts(shard)}, args));
        return stored == 1L ? CreateResult.created(job) : CreateResult.idExists();
    }

    private List<Object> admitCall(NewJob n) {
        Job job = n.job();
        IdempotencyClaim claim = n.idempotency();
        return redis.await(admit.<List<Object>>call(cmd(), ScriptOutputType.MULTI,
                new String[] {keys.userJobs(job.userId()), keys.userLive(job.userId()),
                        keys.idempotency(job.userId(), claim == null ? null : claim.key())},
                job.id(), JobHashCodec.millis(job.createdAt()), Integer.toString(n.maxActiveJobs()),
                claim == null ? "0" : "1", claim == null ? "" : claim.fingerprint(),
                claim == null ? "0" : Long.toString(claim.ttl().toMillis())));
    }

    /**
     * The live index drifts when a terminal transition's second command or an admission's insert was
     * lost. Checked only when the user hits the cap: drops entries whose job ended or never appeared.
     */
    private boolean repairLiveIndex(String userId) {
        RedisClusterAsyncCommands<String, String> c = cmd();
        List<ScoredValue<String>> live = redis.await(c.zrangeWithScores(keys.userLive(userId), 0, -1));
        Map<String, CompletableFuture<String>> statuses = new LinkedHashMap<>();
        for (ScoredValue<String> e : live) {
            statuses.put(e.getValue(), c.hget(keys.job(e.getValue()), JobHashCodec.STATUS).toCompletableFuture());
        }
        long graceEdge = clock.millis() - INDEX_GRACE.toMillis();
        List<String> stale = new ArrayList<>();
        for (ScoredValue<String> e : live) {
            String status = redis.await(statuses.get(e.getValue()));
            boolean gone = status == null && e.getScore() < graceEdge;
            if (gone || (status != null && JobStatus.fromWire(status).isTerminal())) {
                stale.add(e.getValue());
            }
        }
        if (stale.isEmpty()) {
            return false;
        }
        redis.await(c.zrem(keys.userLive(userId), stale.toArray(String[]::new)));
        return true;
    }

    private IdempotencyRecord idempotencyRecord(String key, String recordJson) {
        try {
            JsonNode r = json.readTree(recordJson);
            return new IdempotencyRecord(key, r.path("fp").asText(), r.path("jobId").asText(),
                    Instant.ofEpochMilli(Long.parseLong(r.path("at").asText())));
        } catch (Exception e) {
            throw new StoredDataException("idempotency record for key " + key + " is unreadable", e);
        }
    }

    @Override
    public Optional<IdempotencyRecord> findIdempotencyRecord(String userId, String key) {
        String v = redis.await(cmd().get(keys.idempotency(userId, key)));
        return v == null ? Optional.empty() : Optional.of(idempotencyRecord(key, v));
    }

    @Override
    public Optional<Job> findById(String jobId) {
        Map<String, String> h = redis.await(cmd().hgetall(keys.job(jobId)));
        return h.isEmpty() ? Optional.empty() : Optional.of(codec.decode(h));
    }

    @Override
    public Optional<Workflow> findWorkflow(String jobId) {
        String v = redis.await(cmd().get(keys.workflow(jobId)));
        return v == null ? Optional.empty() : Optional.of(Workflow.fromStoredJson(v));
    }

    @Override
    public JobPage findByUserId(String userId, Set<JobStatus> statusFilter, int limit, String cursor) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        RedisClusterAsyncCommands<String, String> c = cmd();
        String index = keys.userJobs(userId);
        ListCursor.Position from = cursor == null ? null : ListCursor.decode(cursor);
        List<Job> page = new ArrayList<>();
        List<String> dangling = new ArrayList<>();
        long graceEdge = clock.millis() - INDEX_GRACE.toMillis();
        ListCursor.Position last = from;
        int scanned = 0;
        int offset = 0;
        while (true) {
            Range<Double> range = last == null ? Range.create(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY)
                    : Range.create(Double.NEGATIVE_INFINITY, (double) last.score());
            List<ScoredValue<String>> batch = redis.await(c.zrevrangebyscoreWithScores(index, range, Limit.create(offset, LIST_BATCH)));
            List<ScoredValue<String>> fresh = new ArrayList<>();
            for (ScoredValue<String> e : batch) {
                if (last == null || last.isBefore((long) e.getScore(), e.getValue())) {
                    fresh.add(e);
                }
            }
            // A full batch of entries tied with the last position: step over them instead of re-reading them.
            offset = fresh.isEmpty() ? offset + batch.size() : 0;
            List<CompletableFuture<Map<String, String>>> loads = new ArrayList<>();
            for (ScoredValue<String> e : fresh) {
                loads.add(c.hgetall(keys.job(e.getValue())).toCompletableFuture());
            }
            for (int i = 0; i < fresh.size(); i++) {
                ScoredValue<String> e = fresh.get(i);
                Map<String, String> h = redis.await(loads.get(i));
                scanned++;
                if (h.isEmpty() || !userId.equals(h.get(JobHashCodec.USER))) {
                    if (e.getScore() < graceEdge) {
                        dangling.add(e.getValue());
                    }
                } else {
                    Job j = codec.decode(h);
                    if (statusFilter.isEmpty() || statusFilter.contains(j.status())) {
                        if (page.size() == limit) {
                            prune(userId, dangling);
                            return new JobPage(page, ListCursor.encode(last));
                        }
                        page.add(j);
                    }
                }
                last = new ListCursor.Position((long) e.getScore(), e.getValue());
                if (scanned >= LIST_SCAN_BUDGET) {
                    prune(userId, dangling);
                    boolean more = i < fresh.size() - 1 || batch.size() == LIST_BATCH;
                    return new JobPage(page, more ? ListCursor.encode(last) : null);
                }
            }
            if (batch.size() < LIST_BATCH) {
                prune(userId, dangling);
                return new JobPage(page, null);
            }
        }
    }

    private void prune(String userId, List<String> dangling) {
        if (!dangling.isEmpty()) {
            String[] ids = dangling.toArray(String[]::new);
            RedisClusterAsyncCommands<String, String> c = cmd();
            CompletableFuture<Long> a = c.zrem(keys.userJobs(userId), ids).toCompletableFuture();
            redis.await(c.zrem(keys.userLive(userId), ids));
            redis.await(a);
        }
    }

    @Override
    public TransitionResult transition(Transition t) {
        String id = t.jobId();
        int shard = keys.shardOf(id);
        String spec = specs.write(t, settings.retention());
        List<Object> r = redis.await(transition.<List<Object>>call(cmd(), ScriptOutputType.MULTI,
                new String[] {keys.job(id), keys.workflow(id), keys.active(shard), keys.counts(shard), keys.ended(shard),
                        keys.event(id, t.eventId())}, spec));
        String outcome = (String) r.get(0);
        if ("not_found".equals(outcome)) {
            return TransitionResult.notFound();
        }
        JobStatus previous = JobStatus.fromWire((String) r.get(1));
        JobStatus now = JobStatus.fromWire((String) r.get(2));
        int attempt = ((Long) r.get(3)).intValue();
        String user = (String) r.get(4);
        Job job = null;
        if (r.size() > 5) {
            Map<String, String> h = new HashMap<>();
            for (int i = 5; i + 1 < r.size(); i += 2) {
                h.put((String) r.get(i), (String) r.get(i + 1));
            }
            job = codec.decode(h);
        }
        TransitionResult result = new TransitionResult(outcome(outcome), previous, now, attempt, job);
        if (result.becameTerminal()) {
            redis.await(cmd().zrem(keys.userLive(user), id));
        }
        return result;
    }

    private static TransitionOutcome outcome(String s) {
        switch (s) {
            case "applied":
                return TransitionOutcome.APPLIED;
            case "duplicate_event":
                return TransitionOutcome.DUPLICATE_EVENT;
            case "wrong_attempt":
                return TransitionOutcome.WRONG_ATTEMPT;
            case "status_conflict":
                return TransitionOutcome.STATUS_CONFLICT;
            case "lease_held":
                return TransitionOutcome.LEASE_HELD;
            case "changed":
                return TransitionOutcome.CHANGED;
            default:
                throw new IllegalStateException("transition.lua answered " + s);
        }
    }

    @Override
    public boolean delete(String jobId) {
        int shard = keys.shardOf(jobId);
        String user = redis.await(delete.<String>call(cmd(), ScriptOutputType.VALUE,
                new String[] {keys.job(jobId), keys.workflow(jobId), keys.active(shard), keys.counts(shard), keys.ended(shard)},
                jobId));
        if (user == null) {
            return false;
        }
        prune(user, List.of(jobId));
        return true;
    }

    @Override
    public long countByUserId(String userId) {
        return redis.await(cmd().zcard(keys.userJobs(userId)));
    }

    @Override
    public long countActiveByUserId(String userId) {
        return redis.await(cmd().zcard(keys.userLive(userId)));
    }

    @Override
    public Map<JobStatus, Long> countByStatus() {
        RedisClusterAsyncCommands<String, String> c = cmd();
        List<CompletableFuture<Map<String, String>>> all = new ArrayList<>();
        for (int s = 0; s < keys.shards(); s++) {
            all.add(c.hgetall(keys.counts(s)).toCompletableFuture());
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

    @Override
    public List<Job> findStale(int shard, Instant heartbeatBefore, int limit) {
        RedisClusterAsyncCommands<String, String> c = cmd();
        List<String> ids = redis.await(c.zrangebyscore(keys.active(shard),
                Range.create(Double.NEGATIVE_INFINITY, (double) heartbeatBefore.toEpochMilli()), Limit.create(0, limit)));
        List<CompletableFuture<Map<String, String>>> loads = new ArrayList<>();
        for (String id : ids) {
            loads.add(c.hgetall(keys.job(id)).toCompletableFuture());
        }
        List<Job> jobs = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            Map<String, String> h = redis.await(loads.get(i));
            if (h.isEmpty()) {
                gone.add(ids.get(i));
            } else {
                jobs.add(codec.decode(h));
            }
        }
        if (!gone.isEmpty()) {
            redis.await(c.zrem(keys.active(shard), gone.toArray(String[]::new)));
        }
        return jobs;
    }

    @Override
    public PurgeResult purge(int shard, Instant finishedBefore, int limit) {
        RedisClusterAsyncCommands<String, String> c = cmd();
        List<String> members = redis.await(c.zrangebyscore(keys.ended(shard),
                Range.create(Double.NEGATIVE_INFINITY, (double) finishedBefore.toEpochMilli()), Limit.create(0, limit)));
        if (members.isEmpty()) {
            return new PurgeResult(0, 0);
        }
        String[] scriptKeys = new String[2 + members.size() * 2];
        scriptKeys[0] = keys.ended(shard);
        scriptKeys[1] = keys.counts(shard);
        Map<String, List<String>> byUser = new LinkedHashMap<>();
        for (int i = 0; i < members.size(); i++) {
            String[] entry = endedEntry(members.get(i));
            scriptKeys[2 + 2 * i] = keys.job(entry[2]);
            scriptKeys[3 + 2 * i] = keys.workflow(entry[2]);
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
            removals.add(c.zrem(keys.userJobs(e.getKey()), ids).toCompletableFuture());
            removals.add(c.zrem(keys.userLive(e.getKey()), ids).toCompletableFuture());
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

    @Override
    public boolean tryLockShard(int shard, String owner, Duration ttl) {
        String ok = redis.await(cmd().set(keys.lock(shard), owner, SetArgs.Builder.nx().px(ttl.toMillis())));
        return "OK".equals(ok);
    }

    @Override
    public void unlockShard(int shard, String owner) {
        redis.await(unlock.<Long>call(cmd(), ScriptOutputType.INTEGER, new String[] {keys.lock(shard)}, owner));
    }

    private RedisClusterAsyncCommands<String, String> cmd() {
        RedisClusterAsyncCommands<String, String> c = redis.commands();
        if (!layoutChecked) {
            checkLayout(c);
        }
        return c;
    }

    /** Refuses to run with a shard count other than the one the stored jobs were written with. */
    private void checkLayout(RedisClusterAsyncCommands<String, String> c) {
        String marker = keys.shardCountMarker();
        redis.await(c.set(marker, Integer.toString(keys.shards()), SetArgs.Builder.nx()));
        String stored = redis.await(c.get(marker));
        if (!Integer.toString(keys.shards()).equals(stored)) {
            throw new ConfigException("REDIS_SHARDS is " + keys.shards() + " but the jobs in this Redis (key prefix '"
                    + settings.keyPrefix() + "') were written with " + stored + " shards; keep the original value");
        }
        layoutChecked = true;
    }

    @Override
    public void close() {
        redis.close();
    }
}
