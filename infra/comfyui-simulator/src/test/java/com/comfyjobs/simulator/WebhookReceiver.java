package com.comfyjobs.simulator;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A webhook endpoint that checks every delivery with the Standard Webhooks reference library and
 * answers with scripted statuses (200 once the script is used up).
 */
final class WebhookReceiver implements AutoCloseable {
    record Delivery(Map<String, List<String>> headers, String body, int answered) {
        String id() {
            return headers.get("webhook-id").get(0);
        }

        long timestamp() {
            return Long.parseLong(headers.get("webhook-timestamp").get(0));
        }

        JsonNode json() {
            try {
                return Json.parse(body);
            } catch (IOException e) {
                throw new AssertionError(body, e);
            }
        }
    }

    private record Answer(int status, String retryAfter) {
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Webhook verifier;
    private final List<Delivery> deliveries = new ArrayList<>();
    private final List<String> verificationFailures = new ArrayList<>();
    private final Deque<Answer> script = new ArrayDeque<>();
    private volatile long delayMillis;

    WebhookReceiver(String secret) throws IOException {
        this.verifier = new Webhook(secret);
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", this::handle);
        server.setExecutor(threads);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }

    synchronized void answer(int status, String retryAfter) {
        script.add(new Answer(status, retryAfter));
    }

    void delay(long millis) {
        delayMillis = millis;
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values));
        Answer answer;
        synchronized (this) {
            answer = script.isEmpty() ? new Answer(200, null) : script.poll();
            try {
                verifier.verify(body, headers);
            } catch (WebhookVerificationException e) {
                verificationFailures.add(e.getMessage() + ": " + headers);
            }
            deliveries.add(new Delivery(headers, body, answer.status()));
            notifyAll();
        }
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (answer.retryAfter() != null) {
            exchange.getResponseHeaders().add("Retry-After", answer.retryAfter());
        }
        exchange.sendResponseHeaders(answer.status(), -1);
        exchange.close();
    }

    synchronized List<Delivery> deliveries() {
        return new ArrayList<>(deliveries);
    }

    synchronized List<String> verificationFailures() {
        return new ArrayList<>(verificationFailures);
    }

    /** Every envelope answered 2xx, batches flattened, in arrival order. */
    List<JsonNode> envelopes() {
        List<JsonNode> out = new ArrayList<>();
        for (Delivery delivery : deliveries()) {
            if (delivery.answered() < 200 || delivery.answered() >= 300) {
                continue;
            }
            JsonNode body = delivery.json();
            if (body.isArray()) {
                body.forEach(out::add);
            } else {
                out.add(body);
            }
        }
        return out;
    }

    synchronized void awaitDeliveries(int count, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (deliveries.size() < count) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new AssertionError("expected " + count + " deliveries, got " + deliveries.size());
            }
            try {
                wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
