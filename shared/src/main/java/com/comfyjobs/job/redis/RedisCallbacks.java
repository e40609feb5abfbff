package com.comfyjobs.job.redis;

import com.comfyjobs.job.CallbackAttempt;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.RecordCallbackOutcome;
import com.comfyjobs.job.StoredDataException;
import com.comfyjobs.job.WebhookSecrets;
import com.comfyjobs.observability.JsonLog;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Callbacks on Redis: each shard's outbox ({@code P:{sNN}:outbox}, jobs scored by when their waiting
 * delivery is due, filled by transition.lua in the same write as the transition), claims and records
 * of deliveries by one script each in the job's slot, and the users' sealed signing secrets in their
 * own slot ({@code P:{user:U}:whsec}).
 */
final class RedisCallbacks extends RedisStorePart {
    private final LuaScript claim = LuaScript.load("callback_claim.lua");
    private final LuaScript record = LuaScript.load("callback_record.lua");
    private final LuaScript rotate = LuaScript.load("rotate_webhook_secret.lua");

    RedisCallbacks(RedisStorePart shared) {
        super(shared);
    }

    List<LuaScript> scripts() {
        return List.of(claim, record, rotate);
    }

    List<Job> claimDue(int shard, Instant now, int limit, String owner, Instant leaseUntil) {
        RedisKeys k = keys();
        List<String> due = redis.await(cmd().zrangebyscore(k.outbox(shard),
                Range.create(Double.NEGATIVE_INFINITY, (double) now.toEpochMilli()), Limit.create(0, limit)));
        return due.isEmpty() ? List.of() : claim(shard, due, now, owner, leaseUntil, "due");
    }

    Optional<Job> claimFirst(String jobId, Instant now, String owner, Instant leaseUntil) {
        List<Job> claimed = claim(keys().shardOf(jobId), List.of(jobId), now, owner, leaseUntil, "first");
        return claimed.stream().findFirst();
    }

    private List<Job> claim(int shard, List<String> ids, Instant now, String owner, Instant leaseUntil, String mode) {
        RedisKeys k = keys();
        String[] scriptKeys = new String[ids.size() + 1];
        String[] args = new String[ids.size() + 4];
        scriptKeys[0] = k.outbox(shard);
        args[0] = Long.toString(now.toEpochMilli());
        args[1] = owner;
        args[2] = Long.toString(leaseUntil.toEpochMilli());
        args[3] = mode;
        for (int i = 0; i < ids.size(); i++) {
            scriptKeys[i + 1] = k.job(ids.get(i));
            args[i + 4] = ids.get(i);
        }
        List<Object> claimed = redis.await(claim.<List<Object>>call(cmd(), ScriptOutputType.MULTI, scriptKeys, args));
        List<Job> jobs = new ArrayList<>();
        for (Object fields : claimed) {
            List<?> flat = (List<?>) fields;
            Map<String, String> h = new HashMap<>();
            for (int i = 0; i + 1 < flat.size(); i += 2) {
                h.put((String) flat.get(i), (String) flat.get(i + 1));
            }
            try {
                jobs.add(codec.decode(h));
            } catch (StoredDataException e) {
                // its claim runs out and it is tried again; meanwhile the sweep's report names it too
                JsonLog.warn("a job with a callback waiting is unreadable", "jobId", h.get(JobHashCodec.ID), "reason", e.getMessage());
            }
        }
        return jobs;
    }

    RecordCallbackOutcome record(CallbackAttempt a) {
        RedisKeys k = keys();
        String outcome = redis.await(record.<String>call(cmd(), ScriptOutputType.VALUE,
                new String[] {k.job(a.jobId()), k.outbox(k.shardOf(a.jobId()))}, a.jobId(), a.deliveryId(), a.owner(), a.outcome().wire(),
                Integer.toString(a.attempts()), a.error() == null ? "" : a.error(),
                a.nextDue() == null ? "" : Long.toString(a.nextDue().toEpochMilli())));
        return switch (outcome) {
            case "recorded" -> RecordCallbackOutcome.RECORDED;
            case "superseded" -> RecordCallbackOutcome.SUPERSEDED;
            case "lease_lost" -> RecordCallbackOutcome.LEASE_LOST;
            case "not_found" -> RecordCallbackOutcome.NOT_FOUND;
            default -> throw new IllegalStateException("callback_record.lua answered " + outcome);
        };
    }

    Optional<Instant> earliestDue(int shard) {
        List<ScoredValue<String>> first = redis.await(cmd().zrangeWithScores(keys().outbox(shard), 0, 0));
        return first.isEmpty() ? Optional.empty() : Optional.of(Instant.ofEpochMilli((long) first.get(0).getScore()));
    }

    Optional<WebhookSecrets> findSecrets(String userId) {
        Map<String, String> h = redis.await(cmd().hgetall(keys().webhookSecrets(userId)));
        return h.containsKey("cur") ? Optional.of(secrets(h)) : Optional.empty();
    }

    WebhookSecrets createSecret(String userId, String sealed) {
        RedisClusterAsyncCommands<String, String> c = cmd();
        String key = keys().webhookSecrets(userId);
        redis.await(c.hsetnx(key, "cur", sealed));
        return secrets(redis.await(c.hgetall(key)));
    }

    WebhookSecrets rotateSecret(String userId, String sealed, Instant now, String opId) {
        List<Object> flat = redis.await(rotate.<List<Object>>call(cmd(), ScriptOutputType.MULTI,
                new String[] {keys().webhookSecrets(userId)}, sealed, Long.toString(now.toEpochMilli()), opId));
        Map<String, String> h = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            h.put((String) flat.get(i), (String) flat.get(i + 1));
        }
        return secrets(h);
    }

    private static WebhookSecrets secrets(Map<String, String> h) {
        String rotated = h.get("rot");
        return new WebhookSecrets(h.get("cur"), h.get("prev"), rotated == null ? null : Instant.ofEpochMilli(Long.parseLong(rotated)));
    }
}
