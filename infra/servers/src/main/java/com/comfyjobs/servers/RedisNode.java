package com.comfyjobs.servers;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import redis.embedded.RedisServer;

/**
 * A real redis-server process (the binary embedded-redis ships) on a loopback port. It can be
 * stopped and started again on the same port, for outage tests, and optionally keeps an AOF.
 */
public final class RedisNode implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final List<String> settings;
    private RedisServer server;

    private RedisNode(int port, List<String> settings) {
        this.port = port;
        this.settings = settings;
        try {
            this.dir = Files.createTempDirectory("redis-" + port + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A standalone server without persistence. */
    public static RedisNode standalone() {
        return standaloneOn(0);
    }

    /** A standalone server without persistence on {@code port} (0: a free one). */
    public static RedisNode standaloneOn(int port) {
        RedisNode n = new RedisNode(port == 0 ? FreePorts.forRedis() : port, List.of("appendonly no"));
        n.start();
        return n;
    }

    /** A standalone server with an AOF fsynced every second, so a restart keeps the data. */
    public static RedisNode durable() {
        return start(List.of("appendonly yes", "appendfsync everysec"));
    }

    /** A node on {@code port} ready to join a Redis Cluster, with {@code extra} settings. */
    public static RedisNode clusterNode(int port, List<String> extra) {
        List<String> settings = new ArrayList<>(List.of("appendonly no", "cluster-enabled yes", "cluster-node-timeout 5000"));
        settings.addAll(extra);
        RedisNode n = new RedisNode(port, settings);
        n.start();
        return n;
    }

    private static RedisNode start(List<String> extra) {
        RedisNode n = new RedisNode(FreePorts.forRedis(), extra);
        n.start();
        return n;
    }

    public int port() {
        return port;
    }

    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    public synchronized void start() {
        if (server != null && server.isActive()) {
            return;
        }
        try {
            var b = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                    .setting("dir " + dir)
                    .setting("save \"\"")
                    .setting("cluster-config-file " + dir.resolve("nodes.conf"));
            for (String s : settings) {
                b.setting(s);
            }
            server = b.build();
            server.start();
            awaitListening();
        } catch (IOException e) {
            throw new UncheckedIOException("redis-server did not start on port " + port, e);
        }
    }

    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            server.stop();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server = null;
    }

    /** DEBUG DIGEST: one hash over every key and value; any write changes it. */
    public String digest() {
        RedisClient client = RedisClient.create(uri().toString());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return c.sync().dispatch(CommandType.DEBUG, new StatusOutput<>(StringCodec.UTF8), new CommandArgs<>(StringCodec.UTF8).add("DIGEST"));
        } finally {
            client.shutdown();
        }
    }

    public synchronized boolean isRunning() {
        return server != null && server.isActive();
    }

    private void awaitListening() {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                sleep(20);
            }
        }
        throw new IllegalStateException("redis-server is not listening on port " + port);
    }

    /** A pause while polling for a server; an interrupt ends it with an exception instead of being swallowed. */
    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        stop();
        try (var files = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(files.toList());
            java.util.Collections.reverse(all);
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // A leftover temp directory is harmless; the server is stopped either way.
        }
    }
}
