package com.comfyjobs.simulator;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A WebSocket client that records every message the simulator sends it. */
final class WsRecorder implements WebSocket.Listener, AutoCloseable {
    private final List<JsonNode> messages = new ArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private WebSocket socket;

    static WsRecorder connect(ComfyUiSimulator simulator, String clientId) {
        WsRecorder recorder = new WsRecorder();
        String url = simulator.baseUrl().replace("http://", "ws://") + "/ws" + (clientId == null ? "" : "?clientId=" + clientId);
        recorder.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(2))
                .buildAsync(URI.create(url), recorder).join();
        recorder.await(m -> m.path("type").asText().equals("status"), Duration.ofSeconds(5));
        return recorder;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                JsonNode message = Json.parse(partial.toString());
                synchronized (this) {
                    messages.add(message);
                    notifyAll();
                }
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + partial, e);
            }
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(null);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(null);
    }

    boolean awaitClosed(Duration timeout) {
        try {
            closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    void send(String text) {
        socket.sendText(text, true).join();
    }

    /** Waits for a message matching {@code condition}; returns it. */
    synchronized JsonNode await(Predicate<JsonNode> condition, Duration timeout) {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (true) {
            for (JsonNode message : messages) {
                if (condition.test(message)) {
                    return message;
                }
            }
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new AssertionError("no matching message in " + timeout + "; got " + messages);
            }
            try {
                wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Waits for the closing executing {node: null} of {@code promptId}. */
    JsonNode awaitDone(String promptId) {
        return await(m -> m.path("type").asText().equals("executing") && m.path("data").path("node").isNull()
                && m.path("data").path("prompt_id").asText().equals(promptId), Duration.ofSeconds(20));
    }

    synchronized List<JsonNode> messages() {
        return new ArrayList<>(messages);
    }

    /** The messages about {@code promptId}, i.e. whose data carries that prompt_id. */
    synchronized List<JsonNode> messagesFor(String promptId) {
        return messages.stream().filter(m -> m.path("data").path("prompt_id").asText().equals(promptId)).toList();
    }

    @Override
    public void close() {
        socket.abort();
    }
}
