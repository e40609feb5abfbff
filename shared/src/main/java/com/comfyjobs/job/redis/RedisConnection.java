package com.comfyjobs.job.redis;

import com.comfyjobs.config.Env;
import com.comfyjobs.job.StateStoreUnavailableException;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One lettuce connection to a standalone Redis or a Redis Cluster, opened on first use and reused by
 * every caller (lettuce connections are thread-safe and pipeline concurrent commands). Connect and
 * command timeouts are explicit so a call never hangs past them, and every lettuce failure comes out
 * as {@link StateStoreUnavailableException}.
 *
 * <p>A lost connection is re-established by lettuce in the background; commands issued meanwhile
 * wait for it up to the command timeout. A failed first connect is retried on the next call, so a
 * Redis that is down at cold start does not break the container for good. {@link #disconnect()}
 * closes the socket but keeps the settings, for a SnapStart snapshot.
 */
public final class RedisConnection implements AutoCloseable {
    private final RedisSettings settings;
    private final ClientResources resources;
    private final Duration awaitLimit;
    private final List<CommandListener> listeners = new CopyOnWriteArrayList<>();
    private volatile AbstractRedisClient client;
    private volatile StatefulConnection<String, String> connection;
    private volatile RedisClusterAsyncCommands<String, String> commands;

    public RedisConnection(RedisSettings settings) {
        this.settings = settings;
        this.resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(20), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        // lettuce enforces the command timeout itself; this margin only guards against a future that never completes.
        this.awaitLimit = settings.commandTimeout().plusMillis(500);
    }

    public RedisSettings settings() {
        return settings;
    }

    /** Observes every command sent from now on (benchmarks and tests count them). */
    public synchronized void addListener(CommandListener listener) {
        listeners.add(listener);
        if (client != null) {
            client.addListener(listener);
        }
    }

    /** The async command API, shared by standalone and cluster connections. */
    public RedisClusterAsyncCommands<String, String> commands() {
        RedisClusterAsyncCommands<String, String> c = commands;
        if (c != null) {
            return c;
        }
        synchronized (this) {
            if (commands == null) {
                connect();
            }
            return commands;
        }
    }

    /** Waits for a command's answer within the timeout; any failure becomes the typed exception. */
    public <T> T await(CompletionStage<T> future) {
        try {
            return future.toCompletableFuture().get(awaitLimit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof RuntimeException && !(cause instanceof RedisException)) {
                throw (RuntimeException) cause;
            }
            throw unavailable(cause);
        } catch (TimeoutException | CancellationException e) {
            throw unavailable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(e);
        }
    }

    public StateStoreUnavailableException unavailable(Throwable cause) {
        return new StateStoreUnavailableException("Redis at " + Env.redact(settings.url()) + " is unavailable: "
                + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause);
    }

    private void connect() {
        RedisURI uri = RedisURI.create(settings.url());
        uri.setTimeout(settings.commandTimeout());
        SocketOptions socket = SocketOptions.builder().connectTimeout(settings.connectTimeout()).keepAlive(true).build();
        TimeoutOptions timeouts = TimeoutOptions.enabled(settings.commandTimeout());
        try {
            if (settings.cluster()) {
                RedisClusterClient c = RedisClusterClient.create(resources, uri);
                listeners.forEach(c::addListener);
                c.setOptions(ClusterClientOptions.builder()
                        .socketOptions(socket)
                        .timeoutOptions(timeouts)
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                .enableAllAdaptiveRefreshTriggers()
                                .build())
                        .build());
                client = c;
                StatefulRedisClusterConnection<String, String> conn = c.connect(StringCodec.UTF8);
                connection = conn;
                commands = conn.async();
            } else {
                RedisClient c = RedisClient.create(resources, uri);
                listeners.forEach(c::addListener);
                c.setOptions(ClientOptions.builder().socketOptions(socket).timeoutOptions(timeouts).build());
                client = c;
                StatefulRedisConnection<String, String> conn = c.connect(StringCodec.UTF8);
                connection = conn;
                commands = conn.async();
            }
        } catch (RedisException e) {
            shutdownClient();
            throw unavailable(e);
        }
    }

    /** Closes the connection; the next command opens a new one. */
    public synchronized void disconnect() {
        shutdownClient();
    }

    private void shutdownClient() {
        commands = null;
        StatefulConnection<String, String> conn = connection;
        connection = null;
        AbstractRedisClient c = client;
        client = null;
        if (conn != null) {
            conn.close();
        }
        if (c != null) {
            c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Override
    public synchronized void close() {
        shutdownClient();
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
