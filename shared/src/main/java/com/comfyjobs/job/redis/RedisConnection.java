package com.comfyjobs.job.redis;

import com.comfyjobs.config.Env;
import com.comfyjobs.job.StateStoreErrorException;
import com.comfyjobs.job.StateStoreUnavailableException;
import com.comfyjobs.observability.JsonLog;
import com.comfyjobs.secrets.SecretUnavailableException;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.MaintNotificationsConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
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
import io.lettuce.core.resource.EpollProvider;
import io.lettuce.core.resource.ExtendedKeepAliveSupport;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One lettuce connection to a standalone Redis or a Redis Cluster, opened on first use and reused by
 * every caller (lettuce connections are thread-safe and pipeline concurrent commands). Connect and
 * command timeouts are explicit so a call never hangs past them.
 *
 * <p>A lost connection is re-established by lettuce in the background; commands issued meanwhile
 * wait for it up to the command timeout. A failed first connect is retried on the next call, so a
 * Redis that is down at cold start does not break the container for good. {@link #disconnect()}
 * closes the socket but keeps the settings, for a SnapStart snapshot.
 *
 * <p>The URL is asked for each time a connection is opened (it may come from a secret, read through
 * a cache with a TTL): a rotated URL applies from the next new connection, at a cold start, after a
 * SnapStart restore or when the connection is taken for dead and replaced (below). Lettuce's own
 * reconnects of a dropped socket reuse the URL that connection was opened with. A URL that cannot
 * be read counts as Redis being unavailable.
 *
 * <h2>Outages and errors</h2>
 * A lost connection, a timeout, or an error reply that names a passing state of the server comes out
 * as {@link StateStoreUnavailableException} (HTTP 503 with Retry-After). The passing states are the
 * error codes in {@link #PASSING_STATES}: LOADING (the dataset is still being loaded after a
 * restart), BUSY (a script runs past its time limit; it ends or gets killed), MASTERDOWN (a replica
 * lost its primary), CLUSTERDOWN (the cluster is failing over or has uncovered slots), TRYAGAIN (a
 * multi-key command met a slot in migration), NOREPLICAS (too few replicas for min-replicas-to-write
 * while they reconnect) and READONLY (the connection reached a replica, as a primary becomes one in
 * a failover; the connection is also replaced, so the next command resolves the endpoint afresh).
 * Every other error reply becomes {@link StateStoreErrorException}: OOM (memory is full; waiting
 * will not free it), MISCONF (persistence failing), WRONGTYPE, NOSCRIPT past {@link LuaScript}'s
 * EVAL fallback, script runtime errors, authentication and permission errors, a provider's request
 * limits, and MOVED or ASK, which lettuce follows in cluster mode and which otherwise mean
 * REDIS_CLUSTER is wrong. Redis 6 wraps an error raised inside a script as "ERR Error running script
 * ... -CODE ..."; the wrapped code is the one classified.
 *
 * <h2>Half-open connections</h2>
 * A failover that moves Redis to another machine may leave the old socket open with nobody behind
 * it and no TCP reset to say so. Lettuce reconnects only when its socket closes, so every command
 * on such a socket times out until the kernel gives up on it, which with default settings takes
 * about 15 minutes of retransmissions. Three defences, from fastest to broadest:
 * <ul>
 * <li>After {@link RedisSettings#reconnectAfterTimeouts()} timeouts in a row with no answer between
 * them (of commands, or of the handshake of a cluster node's connection), the connection is taken
 * for dead: the one caller whose timeout completed the run closes it (commands still in flight on
 * it fail as unavailable at once) and the next command opens a new client and connection, which
 * also reads a cluster's topology afresh. Any answer, an error reply included, proves the server
 * is there and restarts the count. In a cluster the count spans every node, so one silent node
 * among answering ones does not reach it; the two defences below cover that case.</li>
 * <li>TCP_USER_TIMEOUT ({@value #TCP_USER_TIMEOUT_SECONDS} s): the kernel closes a socket whose sent
 * data stays unacknowledged that long, so lettuce reconnects by itself even between requests. Linux
 * offers it only to Netty's native epoll transport, which is on the classpath for x86_64 and
 * aarch64 (both Lambda architectures); elsewhere (a developer's macOS) it is left out.</li>
 * <li>TCP keep-alive probes after {@value #KEEPALIVE_IDLE_SECONDS} s idle, every
 * {@value #KEEPALIVE_INTERVAL_SECONDS} s, {@value #KEEPALIVE_PROBES} unanswered ones closing the
 * socket: they find a dead idle connection before a request does. Set through epoll or, on NIO,
 * through the JDK's extended socket options where the platform has them; plain keep-alive (two
 * hours idle by default) elsewhere.</li>
 * </ul>
 * A cluster client also reads the topology every {@link RedisSettings#topologyRefresh()}, besides
 * the refreshes that redirects and reconnects trigger; only periodic refreshes close connections to
 * nodes that left the cluster.
 *
 * <h2>Replayed commands</h2>
 * When its socket closes, lettuce reconnects and sends again what had no answer yet: the commands
 * written but unanswered (moved from {@code CommandHandler}'s stack into {@code DefaultEndpoint}'s
 * disconnected buffer on {@code channelInactive}) and those issued while disconnected (buffered
 * there, as {@code DisconnectedBehavior.DEFAULT} accepts commands while auto-reconnect is on). That
 * is at-least-once: a command that ran but whose reply was lost runs again, which is why every
 * script must recognise its own replay as the same write. The rule kept here: a command is replayed
 * only while its caller still waits for it; once the caller has given up, it never reaches Redis
 * later. Lettuce already keeps it, so no {@code replayFilter} is set:
 * <ul>
 * <li>A command that times out is completed by lettuce's own timer ({@code CommandExpiryWriter}),
 * and a completed command is never written again: {@code DefaultEndpoint.drainCommands} drops it
 * when flushing the buffer after the reconnect, {@code CommandHandler.write} skips it (its
 * {@code isWriteable} is {@code !isDone()}), and {@code RetryListener} does not requeue it. In a
 * cluster the timer runs on the node connection and completes lettuce's {@code ClusterCommand}
 * wrapper itself, which is what its {@code isDone()} reads.</li>
 * <li>A {@code replayFilter} would not add to that: lettuce consults it only when a command enters
 * the disconnected buffer while disconnected and when a failed socket write is requeued, not for
 * the unanswered commands moved out of the stack on a disconnect; and a command it filters out is
 * dropped without being completed, leaving its caller to the timeout.</li>
 * <li>This class gives up on a command only after lettuce's timeout plus a margin; if the margin is
 * ever reached first (a future lettuce never completed), the command is cancelled, which makes it
 * done. In a cluster that cancel reaches only the caller's future, not the {@code ClusterCommand}
 * around it, so there lettuce's timer (at most one command timeout later) remains what stops it;
 * for a {@link LuaScript} call the cancel reaches only the script's own future, and the same
 * timer, which always fires first, stops the EVALSHA or EVAL.</li>
 * <li>Maintenance notifications (a Redis Enterprise feature that relaxes timeouts by 10 s during
 * maintenance and moves connections) are switched off: none of the supported providers sends them,
 * the relaxed timeout would outlive the caller, and the handshake saves a round trip.</li>
 * </ul>
 * Bytes already on the wire are beyond any client: a timed-out command may still have run, or run
 * later if Redis was only slow. A reset connection fails its oldest unanswered command with the
 * reset ({@code CommandHandler.exceptionCaught}) instead of replaying it; the others are replayed.
 */
public final class RedisConnection implements AutoCloseable {
    /** Error codes of a server in a passing state, worth a retry after a few seconds. */
    static final Set<String> PASSING_STATES = Set.of("LOADING", "BUSY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN",
            "NOREPLICAS", "READONLY");
    private static final Pattern SCRIPT_WRAPPED = Pattern.compile("^ERR Error running script .*?: -([A-Z]+) ");
    static final int KEEPALIVE_IDLE_SECONDS = 10;
    static final int KEEPALIVE_INTERVAL_SECONDS = 5;
    static final int KEEPALIVE_PROBES = 3;
    /** As long as keep-alive takes to give up, so the two agree on when a connection is dead. */
    static final int TCP_USER_TIMEOUT_SECONDS = KEEPALIVE_IDLE_SECONDS + KEEPALIVE_INTERVAL_SECONDS * KEEPALIVE_PROBES;

    private final RedisSettings settings;
    private final Supplier<URI> url;
    /** The URL of the newest connection, for messages. */
    private volatile URI lastUrl;
    private final ClientResources resources;
    private final Duration awaitLimit;
    private final List<CommandListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<Link> link = new AtomicReference<>();

    /** A client with its one connection; replaced whole when the connection is taken for dead. */
    private static final class Link {
        final AbstractRedisClient client;
        final StatefulConnection<String, String> connection;
        final RedisClusterAsyncCommands<String, String> commands;
        final AtomicInteger timeoutsInARow = new AtomicInteger();

        Link(AbstractRedisClient client, StatefulConnection<String, String> connection,
             RedisClusterAsyncCommands<String, String> commands) {
            this.client = client;
            this.connection = connection;
            this.commands = commands;
        }

        void close() {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }

        /** For a caller that is failing already: closing a silent socket must not hold it up. */
        void closeInBackground() {
            connection.closeAsync().whenComplete((done, error) -> client.shutdownAsync(0, 2, TimeUnit.SECONDS));
        }
    }

    public RedisConnection(RedisSettings settings) {
        this(settings, settings::url);
    }

    /** @param url the URL to open each new connection with; {@code settings.url()} is the one read at start */
    public RedisConnection(RedisSettings settings, Supplier<URI> url) {
        this.settings = settings;
        this.url = url;
        this.lastUrl = settings.url();
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
        Link l = link.get();
        if (l != null) {
            l.client.addListener(listener);
        }
    }

    /** The async command API, shared by standalone and cluster connections. */
    public RedisClusterAsyncCommands<String, String> commands() {
        Link l = link.get();
        if (l != null) {
            return l.commands;
        }
        synchronized (this) {
            l = link.get();
            if (l == null) {
                l = connect();
                link.set(l);
            }
            return l.commands;
        }
    }

    /**
     * Waits for a command's answer within the timeout; a failure becomes
     * {@link StateStoreUnavailableException} or {@link StateStoreErrorException}.
     */
    public <T> T await(CompletionStage<T> future) {
        Link on = link.get();
        try {
            T value = future.toCompletableFuture().get(awaitLimit.toMillis(), TimeUnit.MILLISECONDS);
            answered(on);
            return value;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof RuntimeException && !(cause instanceof RedisException)) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof RedisCommandExecutionException) {
                answered(on);
                String code = errorCode(cause.getMessage());
                if ("READONLY".equals(code)) {
                    replace(on, "READONLY: the connection reached a replica");
                }
                if (PASSING_STATES.contains(code)) {
                    throw unavailable(cause);
                }
                throw new StateStoreErrorException("Redis at " + Env.redact(lastUrl) + " answered an error: "
                        + cause.getMessage(), cause);
            }
            if (silence(cause)) {
                timedOut(on);
            }
            throw unavailable(cause);
        } catch (TimeoutException e) {
            giveUp(future);
            timedOut(on);
            throw unavailable(e);
        } catch (CancellationException e) {
            throw unavailable(e);
        } catch (InterruptedException e) {
            giveUp(future);
            Thread.currentThread().interrupt();
            throw unavailable(e);
        }
    }

    public StateStoreUnavailableException unavailable(Throwable cause) {
        return new StateStoreUnavailableException("Redis at " + Env.redact(lastUrl) + " is unavailable: "
                + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause);
    }

    /** A lettuce command that is done is never written again, not even on a replay (see the class comment). */
    private static void giveUp(CompletionStage<?> future) {
        future.toCompletableFuture().cancel(false);
    }

    /** The error code of an error reply: its first word, or the one Redis 6 wrapped into a script error. */
    static String errorCode(String reply) {
        if (reply == null) {
            return "";
        }
        Matcher wrapped = SCRIPT_WRAPPED.matcher(reply);
        if (wrapped.find()) {
            return wrapped.group(1);
        }
        int space = reply.indexOf(' ');
        return space < 0 ? reply : reply.substring(0, space);
    }

    /**
     * A command that timed out, or a connection that opened but never answered its handshake (how a
     * cluster node that went silent before it was first used shows up).
     */
    private static boolean silence(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof RedisCommandTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static void answered(Link on) {
        if (on != null && on.timeoutsInARow.get() != 0) {
            on.timeoutsInARow.set(0);
        }
    }

    private void timedOut(Link on) {
        // == rather than >=: of the callers whose timeouts reach the mark together, exactly one replaces the connection
        if (on != null && on.timeoutsInARow.incrementAndGet() == settings.reconnectAfterTimeouts()) {
            replace(on, settings.reconnectAfterTimeouts() + " timeouts in a row");
        }
    }

    private void replace(Link dead, String reason) {
        if (link.compareAndSet(dead, null)) {
            JsonLog.warn("Redis connection taken for dead and replaced", "reason", reason, "redis", Env.redact(lastUrl).toString());
            dead.closeInBackground();
        }
    }

    static SocketOptions socketOptions(RedisSettings settings) {
        SocketOptions.Builder socket = SocketOptions.builder().connectTimeout(settings.connectTimeout());
        if (ExtendedKeepAliveSupport.isSupported()) {
            socket.keepAlive(SocketOptions.KeepAliveOptions.builder().enable()
                    .idle(Duration.ofSeconds(KEEPALIVE_IDLE_SECONDS))
                    .interval(Duration.ofSeconds(KEEPALIVE_INTERVAL_SECONDS))
                    .count(KEEPALIVE_PROBES).build());
        } else {
            socket.keepAlive(true);
        }
        if (EpollProvider.isAvailable()) {
            socket.tcpUserTimeout(SocketOptions.TcpUserTimeoutOptions.builder().enable()
                    .tcpUserTimeout(Duration.ofSeconds(TCP_USER_TIMEOUT_SECONDS)).build());
        }
        return socket.build();
    }

    static ClusterClientOptions clusterOptions(RedisSettings settings) {
        ClusterClientOptions.Builder cluster = ClusterClientOptions.builder();
        // a ClientOptions.Builder method: chained, it would lose the cluster builder's type
        cluster.maintNotificationsConfig(MaintNotificationsConfig.disabled());
        return cluster
                .socketOptions(socketOptions(settings))
                .sslOptions(RedisTrust.sslOptions(settings))
                .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(settings.topologyRefresh())
                        .enableAllAdaptiveRefreshTriggers()
                        .build())
                .build();
    }

    static ClientOptions standaloneOptions(RedisSettings settings) {
        return ClientOptions.builder()
                .maintNotificationsConfig(MaintNotificationsConfig.disabled())
                .socketOptions(socketOptions(settings))
                .sslOptions(RedisTrust.sslOptions(settings))
                .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
                .build();
    }

    private Link connect() {
        URI current;
        try {
            current = url.get();
        } catch (SecretUnavailableException e) {
            throw new StateStoreUnavailableException("the Redis URL cannot be read: " + e.getMessage(), e);
        }
        lastUrl = current;
        RedisURI uri = RedisURI.create(current);
        uri.setTimeout(settings.commandTimeout());
        AbstractRedisClient client = null;
        try {
            if (settings.cluster()) {
                RedisClusterClient c = RedisClusterClient.create(resources, uri);
                client = c;
                listeners.forEach(c::addListener);
                c.setOptions(clusterOptions(settings));
                StatefulRedisClusterConnection<String, String> conn = c.connect(StringCodec.UTF8);
                return new Link(c, conn, conn.async());
            }
            RedisClient c = RedisClient.create(resources, uri);
            client = c;
            listeners.forEach(c::addListener);
            c.setOptions(standaloneOptions(settings));
            StatefulRedisConnection<String, String> conn = c.connect(StringCodec.UTF8);
            return new Link(c, conn, conn.async());
        } catch (RedisException e) {
            if (client != null) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
            throw unavailable(e);
        }
    }

    /** Closes the connection; the next command opens a new one. */
    public synchronized void disconnect() {
        Link l = link.getAndSet(null);
        if (l != null) {
            l.close();
        }
    }

    @Override
    public synchronized void close() {
        disconnect();
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
