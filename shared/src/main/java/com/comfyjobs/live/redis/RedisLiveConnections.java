package com.comfyjobs.live.redis;

import com.comfyjobs.job.redis.LuaScript;
import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisKeys;
import com.comfyjobs.live.LiveConnections;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@link LiveConnections} on the job store's Redis connection. Each connection's keys share one slot,
 * {@code {ws:CONN}}: its user (a string with the connection's end as its TTL) and the set of what it
 * listens to (the same TTL), so nothing of a connection outlives it.
 */
public final class RedisLiveConnections implements LiveConnections {
    private final RedisConnection redis;
    private final RedisKeys keys;
    private final LuaScript remember = LuaScript.load(RedisLiveConnections.class, "remember.lua");
    private final LuaScript close = LuaScript.load(RedisLiveConnections.class, "close.lua");

    public RedisLiveConnections(RedisConnection redis) {
        this.redis = redis;
        this.keys = new RedisKeys(redis.settings().keyPrefix(), redis.settings().shardsOfAFreshRedis());
    }

    @Override
    public void open(String connectionId, String userId, Instant until) {
        redis.await(redis.commands().set(keys.connection(connectionId), userId, SetArgs.Builder.pxAt(until.toEpochMilli())));
    }

    @Override
    public Optional<Remembered> remember(String connectionId, String target) {
        List<Object> r = redis.await(remember.<List<Object>>call(redis.commands(), ScriptOutputType.MULTI,
                new String[] {keys.connection(connectionId), keys.connectionSubscriptions(connectionId)}, target));
        return r.isEmpty() ? Optional.empty() : Optional.of(new Remembered((String) r.get(0), (Long) r.get(1)));
    }

    @Override
    public Optional<String> forget(String connectionId, String target) {
        RedisClusterAsyncCommands<String, String> c = redis.commands();
        CompletableFuture<String> user = c.get(keys.connection(connectionId)).toCompletableFuture();
        CompletableFuture<Long> removed = c.srem(keys.connectionSubscriptions(connectionId), target).toCompletableFuture();
        redis.await(removed);
        return Optional.ofNullable(redis.await(user));
    }

    @Override
    public Optional<Closed> close(String connectionId) {
        List<Object> r = redis.await(close.<List<Object>>call(redis.commands(), ScriptOutputType.MULTI,
                new String[] {keys.connection(connectionId), keys.connectionSubscriptions(connectionId)}));
        if (r.isEmpty()) {
            return Optional.empty();
        }
        Set<String> targets = new LinkedHashSet<>();
        r.subList(1, r.size()).forEach(t -> targets.add((String) t));
        return Optional.of(new Closed((String) r.get(0), targets));
    }
}
