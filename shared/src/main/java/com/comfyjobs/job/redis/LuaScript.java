package com.comfyjobs.job.redis;

import com.comfyjobs.job.JobStatus;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;

/**
 * A Lua script from the classpath, called by SHA with EVALSHA. When the server does not know the SHA
 * (its script cache is empty after a restart or failover, or this cluster node never saw the script)
 * the call falls back to EVAL, which also caches the script there for the next EVALSHA.
 *
 * <p>A line {@code --@RULES@} in a script is replaced, at load time, by Lua tables generated from
 * {@link JobStatus}, so the transition rules are written down once, in Java. A line
 * {@code --@LISTENERS@} is replaced by {@code live_listeners.lua}, the lookup of a job's live
 * listeners that transition.lua and claim_push.lua share.
 */
public final class LuaScript {
    private static final String RULES_MARKER = "--@RULES@";
    private static final String LISTENERS_MARKER = "--@LISTENERS@";

    private final String name;
    private final String source;
    private final String sha;

    private LuaScript(String name, String source) {
        this.name = name;
        this.source = source;
        this.sha = sha1(source);
    }

    /** A script beside this class, e.g. {@code transition.lua}. */
    public static LuaScript load(String resource) {
        return load(LuaScript.class, resource);
    }

    /** A script beside {@code owner}, the class that calls it. */
    public static LuaScript load(Class<?> owner, String resource) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Lua script " + resource + " is not on the classpath");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (text.contains(LISTENERS_MARKER)) {
                text = text.replace(LISTENERS_MARKER, text(LuaScript.class, "live_listeners.lua"));
            }
            return new LuaScript(resource, text.replace(RULES_MARKER, rulesTable()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(Class<?> owner, String resource) throws IOException {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Lua fragment " + resource + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    public String name() {
        return name;
    }

    public String sha() {
        return sha;
    }

    public String source() {
        return source;
    }

    public <T> CompletableFuture<T> call(RedisClusterAsyncCommands<String, String> redis, ScriptOutputType type,
                                  String[] keys, String... args) {
        CompletableFuture<T> result = new CompletableFuture<>();
        redis.<T>evalsha(sha, type, keys, args).whenComplete((value, error) -> {
            if (error == null) {
                result.complete(value);
            } else if (isNoScript(error)) {
                redis.<T>eval(source, type, keys, args).whenComplete((v, e) -> {
                    if (e == null) {
                        result.complete(v);
                    } else {
                        result.completeExceptionally(e);
                    }
                });
            } else {
                result.completeExceptionally(error);
            }
        });
        return result;
    }

    private static boolean isNoScript(Throwable error) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return t instanceof RedisNoScriptException
                || (t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT"));
    }

    static String rulesTable() {
        StringBuilder lua = new StringBuilder("local SUCCESSORS = {");
        for (JobStatus s : JobStatus.values()) {
            lua.append(s.wire()).append("={").append(luaSet(s.successors().stream().map(JobStatus::wire).toArray(String[]::new))).append("},");
        }
        lua.append("}\nlocal LIVE = {")
                .append(luaSet(JobStatus.live().stream().map(JobStatus::wire).toArray(String[]::new)))
                .append("}\nlocal REQUEUE_FROM = {")
                .append(luaSet(JobStatus.canRequeueFrom().stream().map(JobStatus::wire).toArray(String[]::new)))
                .append("}");
        return lua.toString();
    }

    private static String luaSet(String... names) {
        return Arrays.stream(names).sorted().map(n -> n + "=true").collect(Collectors.joining(","));
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JRE", e);
        }
    }
}
