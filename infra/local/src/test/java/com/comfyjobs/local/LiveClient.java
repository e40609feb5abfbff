package com.comfyjobs.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A browser's side of the WebSocket API, with the JDK's client: every message it gets, in order. */
final class LiveClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BlockingQueue<JsonNode> inbox;
    private final List<JsonNode> seen = new ArrayList<>();
    private final WebSocket socket;

    private LiveClient(WebSocket socket, BlockingQueue<JsonNode> inbox) {
        this.socket = socket;
        this.inbox = inbox;
    }

    /** Connects as {@code user} (the local stack's stand-in for the JWT). */
    static LiveClient connect(LocalStack stack, String user) throws Exception {
        LinkedBlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create(stack.webSocketUrl() + "?user=" + user), new WebSocket.Listener() {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            try {
                                inbox.add(JSON.readTree(partial.toString()));
                            } catch (IOException e) {
                                inbox.add(JSON.createObjectNode().put("type", "not-json").put("text", partial.toString()));
                            }
                            partial.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        return new LiveClient(ws, inbox);
    }

    List<JsonNode> seen() {
        return List.copyOf(seen);
    }

    void send(String message) {
        socket.sendText(message, true).join();
    }

    /** The answer to one message: the next message that is not a job's. */
    JsonNode ask(String message) throws InterruptedException {
        send(message);
        return until(m -> !m.path("type").asText().startsWith("job."), Duration.ofSeconds(10));
    }

    JsonNode next(Duration limit) throws InterruptedException {
        JsonNode m = inbox.poll(limit.toMillis(), TimeUnit.MILLISECONDS);
        if (m == null) {
            throw new AssertionError("no message within " + limit + "; seen " + seen);
        }
        seen.add(m);
        return m;
    }

    /** Messages until one matches, which is answered. */
    JsonNode until(Predicate<JsonNode> match, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching message within " + limit + "; seen " + seen());
            }
            JsonNode m = next(Duration.ofNanos(left));
            if (match.test(m)) {
                return m;
            }
        }
    }

    /** The connection cut without a goodbye, as a network drop or a closed laptop does. */
    void drop() {
        socket.abort();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        }
    }
}
