package com.comfyjobs.job.redis;

import com.comfyjobs.job.CreateResult;
import com.comfyjobs.job.IdempotencyClaim;
import com.comfyjobs.job.IdempotencyRecord;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobPage;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.JobTooLargeException;
import com.comfyjobs.job.ListCursor;
import com.comfyjobs.job.MigrationResult;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PurgeResult;
import com.comfyjobs.job.StaleBatch;
import com.comfyjobs.job.StateStoreUnavailableException;
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
import java.nio.charset.StandardCharsets;
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
    /** How often a container re-reads the key layout marker; a migration waits this long for every writer to switch. */
    static final Duration LAYOUT_REFRESH = Duration.ofSeconds(30);
    private static final int LIST_BATCH = 100;
    private static final int LIST_SCAN_BUDGET = 1000;

    private final RedisConnection redis;
    private final RedisSettings settings;
    /** Names that do not depend on the layout: shard count and shard of a job. */
    private final RedisKeys shards;
    private final RedisLayout layout;
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
    private final LuaScript confirm = LuaScript.load("confirm.lua");

    public RedisJobStore(RedisConnection redis, Clock clock) {
        this(redis, clock, LAYOUT_REFRESH);
    }

    /** {@code layoutRefresh}: how stale this container's view of the key layout may get (tests shorten it). */
    public RedisJobStore(RedisConnection redis, Clock clock, Duration layoutRefresh) {
        this.redis = redis;
        this.settings = redis.settings();
        this.shards = new RedisKeys(settings.keyPrefix(), settings.shards());
        this.layout = new RedisLayout(redis, shards, settings.keyPrefix(), layoutRefresh, clock);
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
        for (LuaScript s : List.of(admit, insert, transition, delete, purge, unlock, confirm, layout.script())) {
            redis.await(c.scriptLoad(s.source()));
        }
    }

    @Override
    public int shardCount() {
        return shards.shards();
    }

    @Override
    public int shardOf(String jobId) {
        return shards.shardOf(jobId);
    }

    @Override
    public CreateResult create(NewJob n) {
        RedisKeys k = keys();
        Job job = n.job();
        String user = job.userId();
        IdempotencyClaim claim = n.idempotency();
        Job stored = job.toBuilder().workflowSha256(n.workflow().sha256()).workflowBytes(n.workflow().bytes()).build();
        String[] insertKeys = {k.job(job.id()), k.workflow(job.id()), k.active(k.shardOf(job.id())), k.counts(k.shardOf(job.id()))};
        String[] insertArgs = insertArgs(stored, n.workflow());
        long size = requestBytes(insertKeys, insertArgs);
        if (size > settings.maxRequestBytes()) {
            throw new JobTooLargeException("the job as stored would take " + size + " bytes in one request; the state store accepts at most "
                    + settings.maxRequestBytes() + " (REDIS_MAX_REQUEST_BYTES)");
        }
        layout.adoptUser(cmd(), user);
        layout.adoptIdempotency(cmd(), user, claim == null ? null : claim.key());
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
        Long inserted = redis.await(insert.<Long>call(cmd(), ScriptOutputType.INTEGER, insertKeys, insertArgs));
        if (inserted != 1L) {
            return CreateResult.idExists();
        }
        if (claim != null) {
            try {
                redis.await(confirm.<Long>call(cmd(), ScriptOutputType.INTEGER, new String[] {k.idempotency(user, claim.key())}, job.id()));
            } catch (StateStoreUnavailableException e) {
                // the job is stored and must be answered as such; an unmarked record still finds it, and
                // answers for a missing job only within the admission window
            }
        }
        return CreateResult.created(stored);
    }

    /** insert.lua's arguments: id, heartbeat, user, workflow, then the hash's fields and values. */
    private String[] insertArgs(Job job, Workflow workflow) {
        Map<String, String> fields = codec.encode(job);
        String[] args = new String[4 + fields.size() * 2];
        args[0] = job.id();
        args[1] = JobHashCodec.millis(job.heartbeatAt());
        args[2] = job.userId();
        args[3] = workflow.json();
        int i = 4;
        for (Map.Entry<String, String> f : fields.entrySet()) {
            args[i++] = f.getKey();
            args[i++] = f.getValue();
        }
        return args;
    }

    /** The size of an EVALSHA with these keys and arguments on the wire (RESP framing included). */
    private static long requestBytes(String[] keys, String[] args) {
        long bytes = 64;
        for (String[] part : List.of(keys, args)) {
            for (String s : part) {
                bytes += s.getBytes(StandardCharsets.UTF_8).length + 16;
            }
        }
        return bytes;
    }

    private List<Object> admitCall(NewJob n) {
        RedisKeys k = keys();
        Job job = n.job();
        IdempotencyClaim claim = n.idempotency();
        return redis.await(admit.<List<Object>>call(cmd(), ScriptOutputType.MULTI,
                new String[] {k.userJobs(job.userId()), k.userLive(job.userId()),
                        k.idempotency(job.userId(), claim == null ? null : claim.key())},
                job.id(), JobHashCodec.millis(job.createdAt()), Integer.toString(n.maxActiveJobs()),
                claim == null ? "0" : "1", claim == null ? "" : claim.fingerprint(),
                claim == null ? "0" : Long.toString(claim.ttl().toMillis())));
    }

    /**
     * The live index drifts when a terminal transition's second command or an admission's insert was
     * lost. Checked only when the user hits the cap: drops entries whose job ended or never appeared.
     */
    private boolean repairLiveIndex(String userId) {
        RedisKeys k = keys();
        RedisClusterAsyncCommands<String, String> c = cmd();
        List<ScoredValue<String>> live = redis.await(c.zrangeWithScores(k.userLive(userId), 0, -1));
        Map<String, CompletableFuture<String>> statuses = new LinkedHashMap<>();
        for (ScoredValue<String> e : live) {
            statuses.put(e.getValue(), c.hget(k.job(e.getValue()), JobHashCodec.STATUS).toCompletableFuture());
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
        redis.await(c.zrem(k.userLive(userId), stale.toArray(String[]::new)));
        return true;
    }

    private IdempotencyRecord idempotencyRecord(String key, String recordJson) {
        try {
            JsonNode r = json.readTree(recordJson);
            return new IdempotencyRecord(key, r.path("fp").asText(), r.path("jobId").asText(),
                    Instant.ofEpochMilli(Long.parseLong(r.path("at").asText())), r.path("stored").asBoolean(false));
        } catch (Exception e) {
            throw new StoredDataException("idempotency record for key " + key + " is unreadable", e);
        }
    }

    @Override
    public Optional<IdempotencyRecord> findIdempotencyRecord(String userId, String key) {
        layout.adoptIdempotency(cmd(), userId, key);
        String v = redis.await(cmd().get(keys().idempotency(userId, key)));
        return v == null ? Optional.empty() : Optional.of(idempotencyRecord(key, v));
    }

    @Override
    public Optional<Job> findById(String jobId) {
        Map<String, String> h = redis.await(cmd().hgetall(keys().job(jobId)));
        return h.isEmpty() ? Optional.empty() : Optional.of(codec.decode(h));
    }

    @Override
    public Optional<Workflow> findWorkflow(String jobId) {
        String v = redis.await(cmd().get(keys().workflow(jobId)));
        return v == null ? Optional.empty() : Optional.of(Workflow.fromStoredJson(v));
    }

    @Override
    public JobPage findByUserId(String userId, Set<JobStatus> statusFilter, int limit, String cursor) {
        RedisKeys k = keys();
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        RedisClusterAsyncCommands<String, String> c = cmd();
        layout.adoptUser(c, userId);
        String index = k.userJobs(userId);
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
                loads.add(c.hgetall(k.job(e.getValue())).toCompletableFuture());
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

    /** Drops index entries of jobs that are gone; a repair, so a failure here never fails what called it. */
    private void prune(String userId, List<String> dangling) {
        if (!dangling.isEmpty()) {
            String[] ids = dangling.toArray(String[]::new);
            RedisClusterAsyncCommands<String, String> c = cmd();
            List<CompletableFuture<Long>> removals = new ArrayList<>();
            for (String index : userIndexes(userId)) {
                removals.add(c.zrem(index, ids).toCompletableFuture());
            }
            try {
                removals.forEach(redis::await);
            } catch (StateStoreUnavailableException e) {
                // the entries are dropped again the next time they are met
            }
        }
    }

    /** The user's job and live indexes, in both layouts while a migration runs (their entries may be in either). */
    private List<String> userIndexes(String userId) {
        RedisKeys k = keys();
        if (!layout.migrating()) {
            return List.of(k.userJobs(userId), k.userLive(userId));
        }
        RedisKeys old = layout.legacyKeys();
        return List.of(k.userJobs(userId), k.userLive(userId), old.userJobs(userId), old.userLive(userId));
    }

    @Override
    public TransitionResult transition(Transition t) {
        RedisKeys k = keys();
        String id = t.jobId();
        int shard = k.shardOf(id);
        String spec = specs.write(t, settings.retention());
        List<Object> r = redis.await(transition.<List<Object>>call(cmd(), ScriptOutputType.MULTI,
                new String[] {k.job(id), k.workflow(id), k.active(shard), k.counts(shard), k.ended(shard),
                        k.event(id, t.eventId())}, spec));
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
            try {
                redis.await(cmd().zrem(k.userLive(user), id));
                if (layout.migrating()) {
                    redis.await(cmd().zrem(layout.legacyKeys().userLive(user), id));
                }
            } catch (StateStoreUnavailableException e) {
                // the change is made and must be answered as made; a live-index entry left behind is
                // dropped when the user next reaches the cap (repairLiveIndex)
            }
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
            case "lease_lost":
                return TransitionOutcome.LEASE_LOST;
            case "changed":
                return TransitionOutcome.CHANGED;
            default:
                throw new IllegalStateException("transition.lua answered " + s);
        }
    }

    @Override
    public boolean delete(String jobId) {
        RedisKeys k = keys();
        int shard = k.shardOf(jobId);
        String user = redis.await(delete.<String>call(cmd(), ScriptOutputType.VALUE,
                new String[] {k.job(jobId), k.workflow(jobId), k.active(shard), k.counts(shard), k.ended(shard)},
                jobId));
        if (user == null) {
            return false;
        }
        prune(user, List.of(jobId));
        return true;
    }

    @Override
    public long countByUserId(String userId) {
        layout.adoptUser(cmd(), userId);
        return redis.await(cmd().zcard(keys().userJobs(userId)));
    }

    @Override
    public long countActiveByUserId(String userId) {
        layout.adoptUser(cmd(), userId);
        return redis.await(cmd().zcard(keys().userLive(userId)));
    }

    @Override
    public Map<JobStatus, Long> countByStatus() {
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

    @Override
    public StaleBatch findStale(int shard, Instant heartbeatBefore, StaleBatch.Position after, int limit) {
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

    @Override
    public PurgeResult purge(int shard, Instant finishedBefore, int limit) {
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
            for (String index : userIndexes(e.getKey())) {
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

    @Override
    public boolean tryLockShard(int shard, String owner, Duration ttl) {
        String ok = redis.await(cmd().set(keys().lock(shard), owner, SetArgs.Builder.nx().px(ttl.toMillis())));
        return "OK".equals(ok);
    }

    @Override
    public void unlockShard(int shard, String owner) {
        redis.await(unlock.<Long>call(cmd(), ScriptOutputType.INTEGER, new String[] {keys().lock(shard)}, owner));
    }

    private RedisClusterAsyncCommands<String, String> cmd() {
        RedisClusterAsyncCommands<String, String> c = redis.commands();
        layout.keys(c);
        return c;
    }

    /** Key names in the layout written now (checked against the data's layout on first use, refreshed now and then). */
    private RedisKeys keys() {
        return layout.keys(redis.commands());
    }

    @Override
    public MigrationResult migrate(Instant deadline) {
        return layout.migrate(cmd(), deadline);
    }

    @Override
    public void close() {
        redis.close();
    }
}
