package com.comfyjobs.job.redis;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach Redis and how jobs are laid out in it.
 *
 * <table>
 * <caption>Environment variables</caption>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>REDIS_URL</td><td>redis://127.0.0.1:6379</td><td>redis:// or rediss:// (TLS), optional user:password@</td></tr>
 * <tr><td>REDIS_CLUSTER</td><td>false</td><td>true for Redis Cluster and ElastiCache Serverless</td></tr>
 * <tr><td>REDIS_SHARDS</td><td>16</td><td>slot groups jobs are spread over; fixed for the life of a deployment</td></tr>
 * <tr><td>REDIS_KEY_PREFIX</td><td>cj</td><td>prefix of every key, so deployments can share a Redis</td></tr>
 * <tr><td>REDIS_CONNECT_TIMEOUT_MS</td><td>1000</td><td>TCP (and TLS) connect timeout</td></tr>
 * <tr><td>REDIS_COMMAND_TIMEOUT_MS</td><td>2000</td><td>longest wait for one command's answer</td></tr>
 * <tr><td>JOB_RETENTION_HOURS</td><td>24</td><td>how long terminal jobs are kept</td></tr>
 * </table>
 */
public record RedisSettings(URI url, boolean cluster, int shards, String keyPrefix, Duration connectTimeout,
                            Duration commandTimeout, Duration retention) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);

    public RedisSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (shards < 1 || shards > 1024) {
            throw new ConfigException("REDIS_SHARDS must be between 1 and 1024, was " + shards);
        }
        if (!keyPrefix.matches("[A-Za-z0-9_.-]{1,32}")) {
            throw new ConfigException("REDIS_KEY_PREFIX must be 1-32 letters, digits, '_', '.' or '-', was '" + keyPrefix + "'");
        }
    }

    public static RedisSettings fromEnv(Env env) {
        return new RedisSettings(
                env.uri("REDIS_URL", "redis://127.0.0.1:6379", "redis", "rediss"),
                env.bool("REDIS_CLUSTER", false),
                env.integer("REDIS_SHARDS", 16, 1, 1024),
                env.string("REDIS_KEY_PREFIX", "cj"),
                env.millis("REDIS_CONNECT_TIMEOUT_MS", DEFAULT_CONNECT_TIMEOUT, Duration.ofMillis(50), Duration.ofSeconds(30)),
                env.millis("REDIS_COMMAND_TIMEOUT_MS", DEFAULT_COMMAND_TIMEOUT, Duration.ofMillis(50), Duration.ofSeconds(60)),
                Duration.ofHours(env.integer("JOB_RETENTION_HOURS", 24, 1, 24 * 365)));
    }

    /** Defaults for a server at {@code url}; tests and tools change single fields with the withers. */
    public static RedisSettings of(URI url, boolean cluster) {
        return new RedisSettings(url, cluster, 16, "cj", DEFAULT_CONNECT_TIMEOUT, DEFAULT_COMMAND_TIMEOUT, DEFAULT_RETENTION);
    }

    public RedisSettings withShards(int n) {
        return new RedisSettings(url, cluster, n, keyPrefix, connectTimeout, commandTimeout, retention);
    }

    public RedisSettings withKeyPrefix(String p) {
        return new RedisSettings(url, cluster, shards, p, connectTimeout, commandTimeout, retention);
    }

    public RedisSettings withTimeouts(Duration connect, Duration command) {
        return new RedisSettings(url, cluster, shards, keyPrefix, connect, command, retention);
    }

    public RedisSettings withRetention(Duration r) {
        return new RedisSettings(url, cluster, shards, keyPrefix, connectTimeout, commandTimeout, r);
    }

    @Override
    public String toString() {
        return "RedisSettings[url=" + Env.redact(url) + ", cluster=" + cluster + ", shards=" + shards
                + ", keyPrefix=" + keyPrefix + ", connectTimeout=" + connectTimeout + ", commandTimeout="
                + commandTimeout + ", retention=" + retention + "]";
    }
}
