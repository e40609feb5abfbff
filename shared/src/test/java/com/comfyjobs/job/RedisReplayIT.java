package com.comfyjobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.TcpProxy;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * What lettuce sends again after a reconnect, seen from Redis with INCR (each run counts): a command
 * whose caller still waits is replayed, and its caller gets the replay's answer; a command whose
 * caller gave up is never sent later, neither from the unanswered ones of a closed connection nor
 * from those issued while disconnected. The count of timeouts that replaces a connection is set out
 * of reach, so only lettuce's own reconnect is at work.
 */
class RedisReplayIT {
    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(400);

    private static RedisSettings settings(URI uri, Duration commandTimeout) {
        return RedisSettings.of(uri, false).withTimeouts(Duration.ofMillis(300), commandTimeout).withReconnectAfterTimeouts(100);
    }

    @Test
    void aCommandWhoseReplyIsLostIsReplayedWhileItsCallerWaits() {
        try (RedisNode redis = RedisNode.standalone();
             TcpProxy proxy = new TcpProxy(redis.uri());
             RedisConnection c = new RedisConnection(settings(proxy.endpoint(), Duration.ofSeconds(5)));
             Raw raw = new Raw(redis.uri())) {
            c.await(c.commands().ping());
            proxy.loseReplyToNext("replayed-while-waiting".getBytes(StandardCharsets.UTF_8), TcpProxy.Ending.CLOSE);

            long answer = c.await(c.commands().incr("replayed-while-waiting"));

            assertEquals(1, proxy.repliesLost());
            assertTrue(answer == 1 || answer == 2, "the replay's own answer: " + answer);
            assertEquals("2", eventually(() -> raw.commands.get("replayed-while-waiting"), "2"), "it ran twice");
        }
    }

    @Test
    void aCommandWhoseReplyIsLostToAResetFailsInsteadOfBeingReplayed() {
        try (RedisNode redis = RedisNode.standalone();
             TcpProxy proxy = new TcpProxy(redis.uri());
             RedisConnection c = new RedisConnection(settings(proxy.endpoint(), Duration.ofSeconds(5)));
             Raw raw = new Raw(redis.uri())) {
            c.await(c.commands().ping());
            proxy.loseReplyToNext("reset-under-it".getBytes(StandardCharsets.UTF_8));

            StateStoreUnavailableException e = assertThrows(StateStoreUnavailableException.class,
                    () -> c.await(c.commands().incr("reset-under-it")));

            assertTrue(e.getMessage().contains("reset"), e.getMessage());
            // a replay would be flushed on the new connection before this PING
            assertEquals("PONG", c.await(c.commands().ping()));
            assertEquals("1", eventually(() -> raw.commands.get("reset-under-it"), "1"), "it ran once, when first sent");
        }
    }

    @Test
    void anUnansweredCommandWhoseCallerGaveUpIsNotReplayedAfterAReconnect() {
        try (RedisNode redis = RedisNode.standalone();
             RedisConnection c = new RedisConnection(settings(redis.uri(), COMMAND_TIMEOUT));
             Raw admin = new Raw(redis.uri())) {
            c.await(c.commands().ping());
            // Redis holds every write it receives from now on, unexecuted, for two seconds
            admin.commands.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
                    new CommandArgs<>(StringCodec.UTF8).add("PAUSE").add(2000).add("WRITE"));

            assertThrows(StateStoreUnavailableException.class, () -> c.await(c.commands().incr("given-up")));
            // the INCR sits unanswered on the connection; closing it makes lettuce reconnect and replay
            admin.commands.clientKill(KillArgs.Builder.typeNormal().skipme());
            admin.commands.set("after-the-pause", "1");

            assertNull(c.await(c.commands().get("given-up")), "the INCR was sent again after its caller gave up");
        }
    }

    @Test
    void aCommandIssuedWhileDisconnectedWhoseCallerGaveUpIsNeverSent() {
        try (RedisNode redis = RedisNode.standalone();
             RedisConnection c = new RedisConnection(settings(redis.uri(), COMMAND_TIMEOUT))) {
            c.await(c.commands().ping());
            redis.stop();

            assertThrows(StateStoreUnavailableException.class, () -> c.await(c.commands().incr("while-down")));
            redis.start();

            // lettuce flushes what it buffered before anything issued after its reconnect
            eventually(() -> c.await(c.commands().ping()), "PONG");
            assertNull(c.await(c.commands().get("while-down")), "the INCR was sent after its caller gave up");
        }
    }

    private static <T> T eventually(Supplier<T> read, T expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            T value;
            try {
                value = read.get();
            } catch (StateStoreUnavailableException e) {
                value = null;
            }
            if (expected.equals(value) || System.nanoTime() > deadline) {
                return value;
            }
        }
    }

    /** A plain lettuce client beside the connection under test; its 60 s timeout waits out the pause. */
    private static final class Raw implements AutoCloseable {
        final RedisClient client;
        final StatefulRedisConnection<String, String> connection;
        final RedisCommands<String, String> commands;

        Raw(URI uri) {
            client = RedisClient.create(uri.toString());
            connection = client.connect();
            commands = connection.sync();
        }

        @Override
        public void close() {
            connection.close();
            client.shutdown();
        }
    }
}
