package com.comfyjobs.job.redis;

import com.comfyjobs.job.CallbackAttempt;
import com.comfyjobs.job.CreateResult;
import com.comfyjobs.job.IdempotencyRecord;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobPage;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
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
import com.comfyjobs.job.WebhookSecrets;
import com.comfyjobs.job.Workflow;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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

    /** Names that do not depend on the layout: shard count and shard of a job. */
    private final RedisKeys shards;
    private final RedisTransitionSpec specs = new RedisTransitionSpec(json, codec);
    private final LuaScript transition = LuaScript.load("transition.lua");
    private final LuaScript delete = LuaScript.load("delete.lua");
    private final LuaScript markArtifactsDeleted = LuaScript.load("mark_artifacts_deleted.lua");
    private final RedisAdmission admission;
    private final RedisUserIndex users;
    private final RedisShards shardWork;
    private final RedisCallbacks callbacks;

    public RedisJobStore(RedisConnection redis, Clock clock) {
        this(redis, clock, LAYOUT_REFRESH);
    }

    /** {@code layoutRefresh}: how stale this container's view of the key layout may get (tests shorten it). */
    public RedisJobStore(RedisConnection redis, Clock clock, Duration layoutRefresh) {
        this(redis, new RedisKeys(redis.settings().keyPrefix(), redis.settings().shards()), clock, layoutRefresh);
    }

    private RedisJobStore(RedisConnection redis, RedisKeys shards, Clock clock, Duration layoutRefresh) {
        super(redis, new RedisLayout(redis, shards, redis.settings().keyPrefix(), layoutRefresh, clock), new ObjectMapper(), clock);
        this.shards = shards;
        this.admission = new RedisAdmission(this);
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
     * are refused either way: the check runs on first use).
     */
    public void prime() {
        RedisClusterAsyncCommands<String, String> c = cmd();
        List<LuaScript> all = new ArrayList<>(List.of(transition, delete, markArtifactsDeleted, layout.script()));
        all.addAll(admission.scripts());
        all.addAll(shardWork.scripts());
        all.addAll(callbacks.scripts());
        for (LuaScript s : all) {
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
        RedisKeys k = keys();
        String id = t.jobId();
        int shard = k.shardOf(id);
        String spec = specs.write(t, settings.retention());
        List<Object> r = redis.await(transition.<List<Object>>call(cmd(), ScriptOutputType.MULTI,
                new String[] {k.job(id), k.workflow(id), k.active(shard), k.counts(shard), k.ended(shard),
                        k.event(id, t.eventId()), k.outbox(shard)}, spec));
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
