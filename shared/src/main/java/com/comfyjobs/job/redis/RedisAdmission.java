package com.comfyjobs.job.redis;

import com.comfyjobs.job.CreateResult;
import com.comfyjobs.job.IdempotencyClaim;
import com.comfyjobs.job.IdempotencyRecord;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobTooLargeException;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.StateStoreUnavailableException;
import com.comfyjobs.job.StoredDataException;
import com.comfyjobs.job.UsageDay;
import com.comfyjobs.job.Workflow;
import com.fasterxml.jackson.databind.JsonNode;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Admission of a new job: the user's side (the Idempotency-Key, the cap on live jobs, the user's
 * indexes) in one script in the user's slot, then the job and its workflow in its shard's slot, then
 * the key's record marked as belonging to a stored job. Each step may run twice (a lost reply sent
 * again) and recognises itself.
 */
final class RedisAdmission extends RedisStorePart {
    /** An index entry younger than this may belong to an admission still under way; never prune it. */
    static final Duration INDEX_GRACE = Duration.ofMinutes(2);

    private final LuaScript admit = LuaScript.load("admit.lua");
    private final LuaScript insert = LuaScript.load("insert.lua");
    private final LuaScript confirm = LuaScript.load("confirm.lua");

    private final RedisUsage usage;

    RedisAdmission(RedisStorePart shared, RedisUsage usage) {
        super(shared);
        this.usage = usage;
    }

    List<LuaScript> scripts() {
        return List.of(admit, insert, confirm);
    }

    CreateResult create(NewJob n) {
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
                        k.idempotency(job.userId(), claim == null ? null : claim.key()), k.usage(job.userId(), UsageDay.dayOf(job.createdAt()))},
                job.id(), JobHashCodec.millis(job.createdAt()), Integer.toString(n.maxActiveJobs()),
                claim == null ? "0" : "1", claim == null ? "" : claim.fingerprint(),
                claim == null ? "0" : Long.toString(claim.ttl().toMillis()), Long.toString(UsageDay.RETENTION.toMillis())));
    }

    /**
     * The live index drifts when a terminal transition's second command or an admission's insert was
     * lost. Checked only when the user hits the cap: drops entries whose job ended (counting its end in
     * the user's usage, as the lost step would have) or never appeared.
     */
    private boolean repairLiveIndex(String userId) {
        RedisKeys k = keys();
        RedisClusterAsyncCommands<String, String> c = cmd();
        List<ScoredValue<String>> live = redis.await(c.zrangeWithScores(k.userLive(userId), 0, -1));
        Map<String, CompletableFuture<List<KeyValue<String, String>>>> jobs = new LinkedHashMap<>();
        for (ScoredValue<String> e : live) {
            jobs.put(e.getValue(), c.hmget(k.job(e.getValue()), JobHashCodec.STATUS, JobHashCodec.FINISHED, JobHashCodec.GPU_MILLIS)
                    .toCompletableFuture());
        }
        long graceEdge = clock.millis() - INDEX_GRACE.toMillis();
        List<String> gone = new ArrayList<>();
        boolean repaired = false;
        for (ScoredValue<String> e : live) {
            List<KeyValue<String, String>> f = redis.await(jobs.get(e.getValue()));
            String status = f.get(0).getValueOrElse(null);
            if (status == null) {
                if (e.getScore() < graceEdge) {
                    gone.add(e.getValue());
                }
            } else if (JobStatus.fromWire(status).isTerminal()) {
                usage.countEnded(userId, e.getValue(), JobStatus.fromWire(status), Instant.ofEpochMilli(Long.parseLong(f.get(1).getValue())),
                        Long.parseLong(f.get(2).getValueOrElse("0")));
                repaired = true;
            }
        }
        if (!gone.isEmpty()) {
            redis.await(c.zrem(k.userLive(userId), gone.toArray(String[]::new)));
            repaired = true;
        }
        return repaired;
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

    Optional<IdempotencyRecord> findIdempotencyRecord(String userId, String key) {
        layout.adoptIdempotency(cmd(), userId, key);
        String v = redis.await(cmd().get(keys().idempotency(userId, key)));
        return v == null ? Optional.empty() : Optional.of(idempotencyRecord(key, v));
    }
}
