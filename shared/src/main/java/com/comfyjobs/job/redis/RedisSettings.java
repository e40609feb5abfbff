package com.comfyjobs.job.redis;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach Redis and how jobs are laid out in it.
 *
 * <table>
 * <caption>Environment variables</caption>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>REDIS_URL</td><td>redis://127.0.0.1:6379</td><td>redis:// or rediss:// (TLS), optional user:password@</td></tr>
 * <tr><td>REDIS_HOST, REDIS_PORT, REDIS_USERNAME, REDIS_PASSWORD, REDIS_TLS</td><td>unset, 6379, unset, unset, false</td>
 * <td>instead of REDIS_URL (not both), for local and one-box use ({@link RedisAddress})</td></tr>
 * <tr><td>REDIS_CLUSTER</td><td>false</td><td>true for Redis Cluster and ElastiCache Serverless</td></tr>
 * <tr><td>REDIS_SHARDS</td><td>unset</td><td>slot groups jobs are spread over; unset: as the data in Redis was
 * written, {@value #DEFAULT_SHARDS} for a Redis without jobs; set: must match the data (1-1024)</td></tr>
 * <tr><td>REDIS_KEY_PREFIX</td><td>cj</td><td>prefix of every key, so deployments can share a Redis</td></tr>
 * <tr><td>REDIS_CONNECT_TIMEOUT_MS</td><td>1000</td><td>TCP (and TLS) connect timeout</td></tr>
 * <tr><td>REDIS_COMMAND_TIMEOUT_MS</td><td>2000</td><td>longest wait for one command's answer</td></tr>
 * <tr><td>JOB_RETENTION_HOURS</td><td>24</td><td>how long terminal jobs are kept</td></tr>
 * <tr><td>REDIS_RECONNECT_AFTER_TIMEOUTS</td><td>3</td><td>command timeouts in a row, with no answer between
 * them, after which the connection is taken for dead and replaced (1-100)</td></tr>
 * <tr><td>REDIS_TOPOLOGY_REFRESH_SECONDS</td><td>60</td><td>cluster only: how often the cluster's layout is
 * read again, besides the refreshes that redirects and reconnects trigger (5-3600)</td></tr>
 * <tr><td>REDIS_MAX_REQUEST_BYTES</td><td>1000000</td><td>the largest single request the store sends;
 * Upstash refuses requests over 1 MB (65536-536870912)</td></tr>
 * <tr><td>REDIS_TLS_CA_FILE</td><td>unset: the JVM's trust store</td><td>rediss:// only: a PEM file of the
 * certificates to trust instead, for a Redis whose certificate a private CA signed (ElastiCache's and
 * Upstash's chain to public roots and need none); the server's name is checked against its certificate
 * either way</td></tr>
 * </table>
 */
public record RedisSettings(URI url, boolean cluster, int shards, String keyPrefix, Duration connectTimeout,
                            Duration commandTimeout, Duration retention, int reconnectAfterTimeouts,
                            Duration topologyRefresh, int maxRequestBytes, Path tlsCaFile) {

    /**
     * The shard count of a fresh deployment: divisible by 3 and by 6, so the shards split evenly over
     * 3 or 6 masters (see {@link ShardTags}); 48 would also split over 4 and 8, at twice the per-shard
     * work of every recovery, callback and push sweep.
     */
    public static final int DEFAULT_SHARDS = 24;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);
    public static final int DEFAULT_RECONNECT_AFTER_TIMEOUTS = 3;
    public static final Duration DEFAULT_TOPOLOGY_REFRESH = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_REQUEST_BYTES = 1_000_000;
    private static final Duration MIN_TOPOLOGY_REFRESH = Duration.ofSeconds(5);
    private static final Duration MAX_TOPOLOGY_REFRESH = Duration.ofHours(1);
    private static final int MIN_REQUEST_BYTES = 64 * 1024;
    private static final int MAX_REQUEST_BYTES = 512 * 1024 * 1024;

    public RedisSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (shards < 0 || shards > 1024) {
            throw new ConfigException("REDIS_SHARDS must be between 1 and 1024, was " + shards);
        }
        if (!keyPrefix.matches("[A-Za-z0-9_.-]{1,32}")) {
            throw new ConfigException("REDIS_KEY_PREFIX must be 1-32 letters, digits, '_', '.' or '-', was '" + keyPrefix + "'");
        }
        if (reconnectAfterTimeouts < 1 || reconnectAfterTimeouts > 100) {
            throw new ConfigException("REDIS_RECONNECT_AFTER_TIMEOUTS must be between 1 and 100, was " + reconnectAfterTimeouts);
        }
        Objects.requireNonNull(topologyRefresh, "topologyRefresh");
        if (topologyRefresh.compareTo(MIN_TOPOLOGY_REFRESH) < 0 || topologyRefresh.compareTo(MAX_TOPOLOGY_REFRESH) > 0) {
            throw new ConfigException("REDIS_TOPOLOGY_REFRESH_SECONDS must be between 5 and 3600, was " + topologyRefresh.toSeconds());
        }
        if (maxRequestBytes < MIN_REQUEST_BYTES || maxRequestBytes > MAX_REQUEST_BYTES) {
            throw new ConfigException("REDIS_MAX_REQUEST_BYTES must be between " + MIN_REQUEST_BYTES + " and " + MAX_REQUEST_BYTES
                    + ", was " + maxRequestBytes);
        }
        if (tlsCaFile != null) {
            RedisTrust.check(tlsCaFile);
        }
    }

    public static RedisSettings fromEnv(Env env) {
        return new RedisSettings(
                RedisAddress.fromEnv(env),
                env.bool("REDIS_CLUSTER", false),
                env.integer("REDIS_SHARDS", 0, 1, 1024),
                env.string("REDIS_KEY_PREFIX", "cj"),
                env.millis("REDIS_CONNECT_TIMEOUT_MS", DEFAULT_CONNECT_TIMEOUT, Duration.ofMillis(50), Duration.ofSeconds(30)),
                env.millis("REDIS_COMMAND_TIMEOUT_MS", DEFAULT_COMMAND_TIMEOUT, Duration.ofMillis(50), Duration.ofSeconds(60)),
                Duration.ofHours(env.integer("JOB_RETENTION_HOURS", 24, 1, 24 * 365)),
                env.integer("REDIS_RECONNECT_AFTER_TIMEOUTS", DEFAULT_RECONNECT_AFTER_TIMEOUTS, 1, 100),
                env.seconds("REDIS_TOPOLOGY_REFRESH_SECONDS", DEFAULT_TOPOLOGY_REFRESH, MIN_TOPOLOGY_REFRESH, MAX_TOPOLOGY_REFRESH),
                env.integer("REDIS_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES, MIN_REQUEST_BYTES, MAX_REQUEST_BYTES),
                env.raw("REDIS_TLS_CA_FILE") == null ? null : Path.of(env.raw("REDIS_TLS_CA_FILE")));
    }

    /** Defaults for a server at {@code url}; tests and tools change single fields with the withers. */
    public static RedisSettings of(URI url, boolean cluster) {
        return new RedisSettings(url, cluster, 0, "cj", DEFAULT_CONNECT_TIMEOUT, DEFAULT_COMMAND_TIMEOUT, DEFAULT_RETENTION,
                DEFAULT_RECONNECT_AFTER_TIMEOUTS, DEFAULT_TOPOLOGY_REFRESH, DEFAULT_MAX_REQUEST_BYTES, null);
    }

    /** The shard count a Redis without jobs gets: REDIS_SHARDS, else {@link #DEFAULT_SHARDS} ({@code shards} 0: not set, the data decides). */
    public int shardsOfAFreshRedis() {
        return shards == 0 ? DEFAULT_SHARDS : shards;
    }

    public RedisSettings withShards(int n) {
        return new RedisSettings(url, cluster, n, keyPrefix, connectTimeout, commandTimeout, retention, reconnectAfterTimeouts,
                topologyRefresh, maxRequestBytes, tlsCaFile);
    }

    public RedisSettings withKeyPrefix(String p) {
        return new RedisSettings(url, cluster, shards, p, connectTimeout, commandTimeout, retention, reconnectAfterTimeouts,
                topologyRefresh, maxRequestBytes, tlsCaFile);
    }

    public RedisSettings withTimeouts(Duration connect, Duration command) {
        return new RedisSettings(url, cluster, shards, keyPrefix, connect, command, retention, reconnectAfterTimeouts,
                topologyRefresh, maxRequestBytes, tlsCaFile);
    }

    public RedisSettings withRetention(Duration r) {
        return new RedisSettings(url, cluster, shards, keyPrefix, connectTimeout, commandTimeout, r, reconnectAfterTimeouts,
                topologyRefresh, maxRequestBytes, tlsCaFile);
    }

    public RedisSettings withReconnectAfterTimeouts(int n) {
        return new RedisSettings(url, cluster, shards, keyPrefix, connectTimeout, commandTimeout, retention, n,
                topologyRefresh, maxRequestBytes, tlsCaFile);
    }

    public RedisSettings withTopologyRefresh(Duration every) {
        return new RedisSettings(url, cluster, shards, keyPrefix, connectTimeout, commandTimeout, retention, reconnectAfterTimeouts,
                every, maxRequestBytes, tlsCaFile);
    }

    public RedisSettings withMaxRequestBytes(int bytes) {
        return new RedisSettings(url, cluster, shards, keyPrefix, connectTimeout, commandTimeout, retention, reconnectAfterTimeouts,
                topologyRefresh, bytes, tlsCaFile);
    }

    /** The same, trusting only the certificates in {@code pemFile} for rediss://. */
    public RedisSettings withTlsCaFile(Path pemFile) {
        return new RedisSettings(url, cluster, shards, keyPrefix, connectTimeout, commandTimeout, retention, reconnectAfterTimeouts,
                topologyRefresh, maxRequestBytes, pemFile);
    }

    @Override
    public String toString() {
        return "RedisSettings[url=" + Env.redact(url) + ", cluster=" + cluster + ", shards=" + shards
                + ", keyPrefix=" + keyPrefix + ", connectTimeout=" + connectTimeout + ", commandTimeout="
                + commandTimeout + ", retention=" + retention + ", reconnectAfterTimeouts=" + reconnectAfterTimeouts
                + ", topologyRefresh=" + topologyRefresh + ", maxRequestBytes=" + maxRequestBytes + ", tlsCaFile=" + tlsCaFile + "]";
    }
}
