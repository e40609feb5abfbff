package com.comfyjobs.templates.redis;

import com.comfyjobs.job.StoredDataException;
import com.comfyjobs.job.redis.LuaScript;
import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisKeys;
import com.comfyjobs.templates.PublishResult;
import com.comfyjobs.templates.StoredTemplate;
import com.comfyjobs.templates.TemplateRefusedException;
import com.comfyjobs.templates.TemplateStore;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@link TemplateStore} on Redis, standalone or cluster, on the job store's connection. Every template
 * key is in the {@code {tmpl}} slot ({@link RedisKeys#template}, {@link RedisKeys#liveTemplates}): a
 * publish is one script, {@code publish.lua}; reads are plain commands, and a version's body never
 * changes once written, so reading the latest version number and then its body is consistent. Keys
 * carry no TTL: ElastiCache Serverless may evict keys that have one.
 */
public final class RedisTemplateStore implements TemplateStore {
    private static final LuaScript PUBLISH = LuaScript.load(RedisTemplateStore.class, "publish.lua");
    private static final String LATEST = "latest";

    private final RedisConnection redis;
    private final RedisKeys keys;

    public RedisTemplateStore(RedisConnection redis) {
        this.redis = redis;
        this.keys = new RedisKeys(redis.settings().keyPrefix(), redis.settings().shardsOfAFreshRedis());
    }

    @Override
    public PublishResult publish(String name, String body, String sha256, String opId) {
        long bytes = body.getBytes(StandardCharsets.UTF_8).length + 1024;
        if (bytes > redis.settings().maxRequestBytes()) {
            throw new TemplateRefusedException(TemplateRefusedException.Reason.TOO_LARGE, "the template as stored would take " + bytes
                    + " bytes in one request; the state store accepts at most " + redis.settings().maxRequestBytes()
                    + " (REDIS_MAX_REQUEST_BYTES)");
        }
        List<Object> r = redis.await(PUBLISH.<List<Object>>call(redis.commands(), ScriptOutputType.MULTI,
                new String[] {keys.template(name), keys.liveTemplates()}, name, body, sha256, opId));
        PublishResult.Outcome outcome = (Long) r.get(1) == 1L ? PublishResult.Outcome.PUBLISHED : PublishResult.Outcome.UNCHANGED;
        return new PublishResult(outcome, ((Long) r.get(0)).intValue());
    }

    @Override
    public Optional<StoredTemplate> latest(String name) {
        RedisClusterAsyncCommands<String, String> c = redis.commands();
        CompletableFuture<Boolean> live = c.sismember(keys.liveTemplates(), name).toCompletableFuture();
        CompletableFuture<String> latest = c.hget(keys.template(name), LATEST).toCompletableFuture();
        if (!redis.await(live) || redis.await(latest) == null) {
            return Optional.empty();
        }
        int version = version(name, redis.await(latest));
        return Optional.of(new StoredTemplate(name, version, body(c, name, version)));
    }

    @Override
    public Optional<StoredTemplate> version(String name, int version) {
        RedisClusterAsyncCommands<String, String> c = redis.commands();
        CompletableFuture<Boolean> live = c.sismember(keys.liveTemplates(), name).toCompletableFuture();
        CompletableFuture<String> body = c.hget(keys.template(name), "v" + version).toCompletableFuture();
        if (!redis.await(live) || redis.await(body) == null) {
            return Optional.empty();
        }
        return Optional.of(new StoredTemplate(name, version, redis.await(body)));
    }

    @Override
    public List<StoredTemplate> list() {
        RedisClusterAsyncCommands<String, String> c = redis.commands();
        Map<String, CompletableFuture<String>> latest = new LinkedHashMap<>();
        for (String name : redis.await(c.smembers(keys.liveTemplates()))) {
            latest.put(name, c.hget(keys.template(name), LATEST).toCompletableFuture());
        }
        Map<String, Integer> versions = new LinkedHashMap<>();
        Map<String, CompletableFuture<String>> bodies = new LinkedHashMap<>();
        latest.forEach((name, v) -> {
            String value = redis.await(v);
            if (value != null) {
                versions.put(name, version(name, value));
                bodies.put(name, c.hget(keys.template(name), "v" + versions.get(name)).toCompletableFuture());
            }
        });
        List<StoredTemplate> out = new ArrayList<>();
        bodies.forEach((name, b) -> out.add(new StoredTemplate(name, versions.get(name), present(name, versions.get(name), redis.await(b)))));
        return out;
    }

    @Override
    public boolean retire(String name) {
        RedisClusterAsyncCommands<String, String> c = redis.commands();
        if (!redis.await(c.hexists(keys.template(name), LATEST))) {
            return false;
        }
        redis.await(c.srem(keys.liveTemplates(), name));
        return true;
    }

    private String body(RedisClusterAsyncCommands<String, String> c, String name, int version) {
        return present(name, version, redis.await(c.hget(keys.template(name), "v" + version)));
    }

    private static String present(String name, int version, String body) {
        if (body == null) {
            throw new StoredDataException("template " + name + " names version " + version + " as its latest, which it does not hold");
        }
        return body;
    }

    private static int version(String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new StoredDataException("template " + name + " has an unreadable latest version", e);
        }
    }
}
