package com.comfyjobs.job.redis;

import com.comfyjobs.job.CallbackAttempt;
import com.comfyjobs.job.ClaimedPush;
import com.comfyjobs.job.CreateResult;
import com.comfyjobs.job.IdempotencyRecord;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobPage;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.Listening;
import com.comfyjobs.job.MarkArtifactsDeletedOutcome;
import com.comfyjobs.job.MigrationResult;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PurgeResult;
import com.comfyjobs.job.RecordCallbackOutcome;
import com.comfyjobs.job.StaleBatch;
import com.comfyjobs.job.StateStoreUnavailableException;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.TransitionOutcome;
import com.comfyjobs.job.TransitionResult;
import com.comfyjobs.job.UsageDay;
import com.comfyjobs.job.WebhookSecrets;
import com.comfyjobs.job.Workflow;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@link JobStore} on Redis, standalone or cluster. Every state change is one Lua script in one hash
 * slot; the user's indexes, in another slot, cost a second command only on admission, on the
 * terminal transition and on deletion. Admission ({@link RedisAdmission}), the user's indexes
 * ({@link RedisUserIndex}), the per-shard work of recovery ({@link RedisShards}) and callbacks
 * ({@link RedisCallbacks}) each have their own part; all share one connection and the key layout
 * ({@link RedisLayout}).
 */
public final class RedisJobStore extends RedisStorePart implements JobStore {
    /** How often a container re-reads the key layout marker; a migration waits this long for every writer to switch. */
    static final Duration LAYOUT_REFRESH = Duration.ofSeconds(30);

    private final RedisTransitionSpec specs = new RedisTransitionSpec(json, codec);
    private final LuaScript transition = LuaScript.load("transition.lua");
    private final LuaScript delete = LuaScript.load("delete.lua");
    private final LuaScript markArtifactsDeleted = LuaScript.load("mark_artifacts_deleted.lua");
    private final LuaScript listen = LuaScript.load("listen.lua");
    private final LuaScript claimPush = LuaScript.load("claim_push.lua");
    private final RedisAdmission admission;
    private final RedisUserIndex users;
    private final RedisShards shardWork;
    private final RedisCallbacks callbacks;
    private final RedisUsage usage;

    public RedisJobStore(RedisConnection redis, Clock clock) {
        this(redis, clock, LAYOUT_REFRESH);
    }

    /** {@code layoutRefresh}: how stale this container's view of the key layout may get (tests shorten it). */
    public RedisJobStore(RedisConnection redis, Clock clock, Duration layoutRefresh) {
        super(redis, new RedisLayout(redis, redis.settings().shards(), redis.settings().keyPrefix(), layoutRefresh, clock),
                new ObjectMapper(), clock);
        this.usage = new RedisUsage(this);
        this.admission = new RedisAdmission(this, usage);
        this.users = new RedisUserIndex(this);
        this.shardWork = new RedisShards(this, users);
        this.callbacks = new RedisCallbacks(this);
    }

    public static RedisJobStore connect(RedisSettings settings) {
        return new RedisJobStore(new RedisConnection(settings), Clock.systemUTC());
    }

    public RedisConnection connection() {
        return redis;
    }

    /**
     * Loads every script and checks the key layout now rather than on the first request: for SnapStart
     * priming, and so that a wrong REDIS_SHARDS shows in the log when the snapshot is taken (requests
     * are refused either way: the check runs on first use). Also runs the job hash codec both ways over
     * a synthetic finished job, in memory, so a restored copy's first read of a real job is not the
     * codec's first run (priming reads no real job).
     */
    public void prime() {
        RedisClusterAsyncCommands<String, String> c = cmd();
        List<LuaScript> all = new ArrayList<>(List.of(transition, delete, markArtifactsDeleted, listen, claimPush, layout.script()));
        all.addAll(admission.scripts());
        all.addAll(shardWork.scripts());
        all.addAll(callbacks.scripts());
        all.addAll(usage.scripts());
        for (LuaScript s : all) {
            redis.await(c.scriptLoad(s.source()));
        }
        codec.decode(codec.encode(Job.queued("00000000-0000-4000-8000-000000000000", "snapstart-priming", JobType.IMAGE_GENERATION,
                Instant.EPOCH).status(JobStatus.SUCCEEDED).startedAt(Instant.EPOCH).finishedAt(Instant.EPOCH).progress(1.0)
                .artifacts(List.of(new JobArtifact("artifacts/snapstart-priming/00000000-0000-4000-8000-000000000000/1/9/output.png",
                        "output.png", "image/png", 1))).build()));
    }

    /** The data's shard count: read from Redis on first use (REDIS_SHARDS may be unset). */
    @Override
    public int shardCount() {
        return keys().shards();
    }

    @Override
    public int shardOf(String jobId) {
        return keys().shardOf(jobId);
    }

    @Override
    public CreateResult create(NewJob newJob) {
        return admission.create(newJob);
    }

    @Override
    public Optional<IdempotencyRecord> findIdempotencyRecord(String userId, String key) {
        return admission.findIdempotencyRecord(userId, key);
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
    public TransitionResult transition(Transition t) {
        Answer a = answer(t, redis.await(send(t)));
        if (a.result().becameTerminal()) {
            leftLive(leaveUserLive(a));
        }
        return a.result();
    }

    /**
     * Every script is sent before the first answer is awaited (lettuce writes them back to back on the
     * connection), then the live-index removals of the jobs that ended, sent the same way.
     */
    @Override
    public List<TransitionResult> transitionAll(List<Transition> transitions) {
        List<CompletableFuture<List<Object>>> sent = new ArrayList<>(transitions.size());
        for (Transition t : transitions) {
            sent.add(send(t));
        }
        List<TransitionResult> results = new ArrayList<>(transitions.size());
        List<CompletableFuture<Void>> removals = new ArrayList<>();
        for (int i = 0; i < transitions.size(); i++) {
            Answer a = answer(transitions.get(i), redis.await(sent.get(i)));
            results.add(a.result());
            if (a.result().becameTerminal()) {
                removals.add(leaveUserLive(a));
            }
        }
        removals.forEach(this::leftLive);
        return results;
    }

    /** {@code at}: the transition's time, the end's time for the user's usage. */
    private record Answer(TransitionResult result, String user, String jobId, Instant at) {
    }

    private CompletableFuture<List<Object>> send(Transition t) {
        RedisKeys k = keys();
        String id = t.jobId();
        int shard = k.shardOf(id);
        String spec = specs.write(t, settings.retention());
        return transition.<List<Object>>call(cmd(), ScriptOutputType.MULTI,
                new String[] {k.job(id), k.workflow(id), k.active(shard), k.counts(shard), k.ended(shard),
                        k.event(id, t.eventId()), k.outbox(shard), k.listeners(shard), k.listenerExpiry(shard), k.owedPushes(shard),
                        k.seenEvents(id)}, spec);
    }

    private Answer answer(Transition t, List<Object> r) {
        String id = t.jobId();
        String outcome = (String) r.get(0);
        if ("not_found".equals(outcome)) {
            return new Answer(TransitionResult.notFound(), null, id, t.now());
        }
        JobStatus previous = JobStatus.fromWire((String) r.get(1));
        JobStatus now = JobStatus.fromWire((String) r.get(2));
        int attempt = ((Long) r.get(3)).intValue();
        String user = (String) r.get(4);
        Listening listening = listening(r.get(5), id, t.opId());
        Job job = r.size() > 6 ? codec.decode(fields(r, 6)) : null;
        return new Answer(new TransitionResult(outcome(outcome), previous, now, attempt, job, listening), user, id, t.now());
    }

    /**
     * An ended job leaves its user's live index (the per-user cap) and its end is counted in the user's
     * usage, both by usage_end.lua, which counts only when the job was still in the index, so a replay
     * counts nothing; the legacy layout's index too while migrating.
     */
    private CompletableFuture<Void> leaveUserLive(Answer a) {
        Job job = a.result().job();
        long gpuMillis = job != null ? job.gpuMillis() : usage.gpuMillis(a.jobId());
        CompletableFuture<Long> current = usage.countEndedAsync(a.user(), a.jobId(), a.result().status(), a.at(), gpuMillis);
        if (!layout.migrating()) {
            return current.thenApply(n -> null);
        }
        CompletableFuture<Long> legacy = cmd().zrem(layout.legacyKeys().userLive(a.user()), a.jobId()).toCompletableFuture();
        return CompletableFuture.allOf(current, legacy);
    }

    private void leftLive(CompletableFuture<Void> removal) {
        try {
            redis.await(removal);
        } catch (StateStoreUnavailableException e) {
            // the change is made and must be answered as made; the live-index entry left behind is
            // dropped, and the end counted, by recovery (settleUsage) or when the user next reaches
            // the cap (repairLiveIndex), whichever comes first
        }
    }

    private static Map<String, String> fields(List<Object> reply, int from) {
        Map<String, String> h = new HashMap<>();
        for (int i = from; i + 1 < reply.size(); i += 2) {
            h.put((String) reply.get(i), (String) reply.get(i + 1));
        }
        return h;
    }

    /** The live block of a script's answer: {push, due, lastPushedStatus, connection...} (see transition.lua). */
    @SuppressWarnings("unchecked")
    private static Listening listening(Object reply, String jobId, String claim) {
        List<Object> live = (List<Object>) reply;
        String last = (String) live.get(2);
        JobStatus lastPushed = last.isEmpty() ? null : JobStatus.fromWire(last);
        return switch ((String) live.get(0)) {
            case "now" -> Listening.now(jobId, live.subList(3, live.size()).stream().map(c -> RedisKeys.decode((String) c)).toList(),
                    lastPushed);
            case "later" -> Listening.later(jobId, Instant.ofEpochMilli(Long.parseLong((String) live.get(1))), claim, lastPushed);
            default -> Listening.NONE;
        };
    }

    @Override
    public Optional<JobStatus> listen(String jobId, String userId, String connectionId, Instant until) {
        RedisKeys k = keys();
        int shard = k.shardOf(jobId);
        String answer = redis.await(listen.<String>call(cmd(), ScriptOutputType.VALUE,
                new String[] {k.listeners(shard), k.listenerExpiry(shard), k.job(jobId)},
                RedisKeys.jobListener(jobId, connectionId), Long.toString(until.toEpochMilli()), Long.toString(clock.millis()), userId));
        return "not_found".equals(answer) ? Optional.empty() : Optional.of(JobStatus.fromWire(answer));
    }

    @Override
    public void listenAll(String userId, String connectionId, Instant until) {
        RedisKeys k = keys();
        RedisClusterAsyncCommands<String, String> c = cmd();
        String member = RedisKeys.userListener(userId, connectionId);
        List<CompletableFuture<String>> all = new ArrayList<>();
        for (int s = 0; s < k.shards(); s++) {
            all.add(listen.<String>call(c, ScriptOutputType.VALUE, new String[] {k.listeners(s), k.listenerExpiry(s)}, member,
                    Long.toString(until.toEpochMilli()), Long.toString(clock.millis())));
        }
        all.forEach(redis::await);
    }

    @Override
    public void unlisten(String jobId, String connectionId) {
        RedisKeys k = keys();
        int shard = k.shardOf(jobId);
        unlisten(List.of(shard), k, RedisKeys.jobListener(jobId, connectionId));
    }

    @Override
    public void unlistenAll(String userId, String connectionId) {
        RedisKeys k = keys();
        List<Integer> shards = new ArrayList<>();
        for (int s = 0; s < k.shards(); s++) {
            shards.add(s);
        }
        unlisten(shards, k, RedisKeys.userListener(userId, connectionId));
    }

    /** Plain ZREMs, pipelined: removing a member twice is harmless. */
    private void unlisten(List<Integer> shards, RedisKeys k, String member) {
        RedisClusterAsyncCommands<String, String> c = cmd();
        List<CompletableFuture<Long>> all = new ArrayList<>();
        for (int s : shards) {
            all.add(c.zrem(k.listeners(s), member).toCompletableFuture());
            all.add(c.zrem(k.listenerExpiry(s), member).toCompletableFuture());
        }
        all.forEach(redis::await);
    }

    @Override
    public Optional<ClaimedPush> claimPush(String jobId, String claim, Instant now) {
        RedisKeys k = keys();
        int shard = k.shardOf(jobId);
        List<Object> r = redis.await(claimPush.<List<Object>>call(cmd(), ScriptOutputType.MULTI,
                new String[] {k.job(jobId), k.listeners(shard), k.listenerExpiry(shard), k.owedPushes(shard)},
                claim == null ? "" : claim, Long.toString(now.toEpochMilli()), jobId));
        if (!"claimed".equals(r.get(0))) {
            return Optional.empty();
        }
        return Optional.of(new ClaimedPush(codec.decode(fields(r, 2)), listening(r.get(1), jobId, claim)));
    }

    @Override
    public List<String> owedPushes(int shard, Instant now, int limit) {
        return redis.await(cmd().zrangebyscore(keys().owedPushes(shard), io.lettuce.core.Range.create(Double.NEGATIVE_INFINITY,
                (double) now.toEpochMilli()), io.lettuce.core.Limit.create(0, limit)));
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
    public MarkArtifactsDeletedOutcome markArtifactsDeleted(String jobId) {
        String outcome = redis.await(markArtifactsDeleted.<String>call(cmd(), ScriptOutputType.VALUE,
                new String[] {keys().job(jobId)}));
        return switch (outcome) {
            case "marked" -> MarkArtifactsDeletedOutcome.MARKED;
            case "live" -> MarkArtifactsDeletedOutcome.LIVE;
            case "not_found" -> MarkArtifactsDeletedOutcome.NOT_FOUND;
            default -> throw new IllegalStateException("mark_artifacts_deleted.lua answered " + outcome);
        };
    }

    @Override
    public List<Job> claimDueCallbacks(int shard, Instant now, int limit, String owner, Instant leaseUntil) {
        return callbacks.claimDue(shard, now, limit, owner, leaseUntil);
    }

    @Override
    public Optional<Job> claimFirstCallback(String jobId, Instant now, String owner, Instant leaseUntil) {
        return callbacks.claimFirst(jobId, now, owner, leaseUntil);
    }

    @Override
    public RecordCallbackOutcome recordCallback(CallbackAttempt attempt) {
        return callbacks.record(attempt);
    }

    @Override
    public Optional<Instant> earliestCallbackDue(int shard) {
        return callbacks.earliestDue(shard);
    }

    @Override
    public Optional<WebhookSecrets> findWebhookSecrets(String userId) {
        return callbacks.findSecrets(userId);
    }

    @Override
    public WebhookSecrets createWebhookSecret(String userId, String sealed) {
        return callbacks.createSecret(userId, sealed);
    }

    @Override
    public WebhookSecrets rotateWebhookSecret(String userId, String sealed, Instant now, String opId) {
        return callbacks.rotateSecret(userId, sealed, now, opId);
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
        users.prune(user, List.of(jobId));
        return true;
    }

    @Override
    public JobPage findByUserId(String userId, Set<JobStatus> statusFilter, int limit, String cursor) {
        return users.findByUserId(userId, statusFilter, limit, cursor);
    }

    @Override
    public long countByUserId(String userId) {
        return users.countByUserId(userId);
    }

    @Override
    public long countActiveByUserId(String userId) {
        return users.countActiveByUserId(userId);
    }

    @Override
    public List<UsageDay> usage(String userId, LocalDate from, LocalDate to) {
        return usage.read(userId, from, to);
    }

    @Override
    public int settleUsage(int shard, Instant endedBefore, int limit) {
        return usage.settle(shard, endedBefore, limit);
    }

    @Override
    public Map<JobStatus, Long> countByStatus() {
        return shardWork.countByStatus();
    }

    @Override
    public StaleBatch findStale(int shard, Instant heartbeatBefore, StaleBatch.Position after, int limit) {
        return shardWork.findStale(shard, heartbeatBefore, after, limit);
    }

    @Override
    public PurgeResult purge(int shard, Instant finishedBefore, int limit) {
        return shardWork.purge(shard, finishedBefore, limit);
    }

    @Override
    public Set<Integer> shardsWithWork(Instant heartbeatBefore, Instant finishedBefore, Instant unsettledEndedBefore) {
        return shardWork.shardsWithWork(heartbeatBefore, finishedBefore, unsettledEndedBefore);
    }

    @Override
    public boolean tryLockShard(int shard, String owner, Duration ttl) {
        return shardWork.tryLockShard(shard, owner, ttl);
    }

    @Override
    public void unlockShard(int shard, String owner) {
        shardWork.unlockShard(shard, owner);
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
