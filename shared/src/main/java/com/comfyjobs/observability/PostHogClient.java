package com.comfyjobs.observability;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * PostHog's capture API ({@code POST <host>/capture/}). Events are sent without blocking the request
 * that produced them; {@link #flush} waits a bounded time for them before a Lambda invocation ends
 * (a frozen container would otherwise drop them). The key is asked for on each event (it comes
 * through the secrets' cache, so a rotated key applies within its TTL). Failures, an unreadable key
 * among them, are logged, never thrown.
 */
final class PostHogClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI capture;
    private final Supplier<String> apiKey;
    private final HttpClient http;
    private final List<CompletableFuture<?>> pending = new CopyOnWriteArrayList<>();

    public PostHogClient(URI host, Supplier<String> apiKey) {
        String base = host.toString().endsWith("/") ? host.toString() : host + "/";
        this.capture = URI.create(base + "capture/");
        this.apiKey = apiKey;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    }

    public void capture(String event, String distinctId, Map<String, ?> properties) {
        String key;
        try {
            key = apiKey.get();
        } catch (RuntimeException e) {
            JsonLog.warn("PostHog event dropped: its key cannot be read", "event", event, "reason", e.getMessage());
            return;
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("api_key", key);
        body.put("event", event);
        body.put("distinct_id", distinctId);
        body.put("timestamp", Instant.now().toString());
        body.set("properties", JSON.valueToTree(properties));
        HttpRequest req = HttpRequest.newBuilder(capture).timeout(Duration.ofSeconds(2))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        CompletableFuture<?> f = http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).handle((r, e) -> {
            if (e != null) {
                JsonLog.warn("PostHog capture failed", "event", event, "reason", e.getClass().getSimpleName());
            } else if (r.statusCode() >= 300) {
                JsonLog.warn("PostHog capture refused", "event", event, "status", r.statusCode());
            }
            return null;
        });
        pending.add(f);
        f.whenComplete((x, y) -> pending.remove(f));
    }

    public void flush(Duration max) {
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            JsonLog.warn("PostHog events still pending at flush", "count", pending.size());
        }
    }
}
