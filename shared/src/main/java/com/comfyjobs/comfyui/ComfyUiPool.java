package com.comfyjobs.comfyui;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ComfyUI servers of COMFYUI_URLS. A new job goes to the reachable server with the fewest
 * queue_remaining; all servers are asked at once with a short timeout and the answers are reused for
 * a few seconds, so a submit pays at most one probe round and usually none. A drained server
 * (COMFYUI_DRAIN) is never chosen, so it gets no new job nor a next attempt, while its jobs are
 * still followed, stopped and reconciled there through {@link #client(String)}.
 */
public final class ComfyUiPool {
    /**
     * How long one server's /object_info answer is reused. Nodes change only when the server restarts
     * with other custom nodes; the answer can be megabytes, so it is not asked for each job.
     */
    static final Duration OBJECT_INFO_TTL = Duration.ofMinutes(5);

    private final Map<URI, ComfyUiClient> clients = new LinkedHashMap<>();
    private final Map<URI, KnownNodes> objectInfo = new ConcurrentHashMap<>();
    private final ComfyUiSettings settings;
    private final HttpClient http;
    private final Clock clock;
    private volatile Probe lastProbe;

    private record Probe(Instant at, Map<URI, Integer> load) {
    }

    private record KnownNodes(Instant at, ObjectInfo info) {
    }

    public ComfyUiPool(ComfyUiSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.http = ComfyUiClient.httpClient(settings);
        for (URI u : settings.servers()) {
            clients.put(ComfyUiSettings.normalize(u), new ComfyUiClient(u, http, settings));
        }
    }

    public List<URI> servers() {
        return List.copyOf(clients.keySet());
    }

    /** The longest a single call to a server may take (COMFYUI_REQUEST_TIMEOUT_MS). */
    public Duration requestTimeout() {
        return settings.requestTimeout();
    }

    /**
     * The client for a server recorded on a job. A server no longer in the pool (the configuration
     * changed) still gets a client: its jobs must be reconciled where they ran.
     */
    public ComfyUiClient client(String server) {
        URI u = ComfyUiSettings.normalize(URI.create(server));
        ComfyUiClient c = clients.get(u);
        return c != null ? c : new ComfyUiClient(u, http, settings);
    }

    /** Whether the server recorded on a job takes no new job (COMFYUI_DRAIN). */
    public boolean drained(String server) {
        return settings.drained().contains(ComfyUiSettings.normalize(URI.create(server)));
    }

    /** The least loaded reachable server that is not drained, or empty when none answers. */
    public Optional<ComfyUiClient> choose() {
        return chooseExcept(List.of());
    }

    /** As {@link #choose()}, skipping the given servers (where a job just failed to reach). */
    public Optional<ComfyUiClient> chooseExcept(List<String> avoid) {
        Map<URI, Integer> load = load();
        URI best = null;
        for (Map.Entry<URI, Integer> e : load.entrySet()) {
            if (avoid.contains(e.getKey().toString())) {
                continue;
            }
            if (best == null || e.getValue() < load.get(best)) {
                best = e.getKey();
            }
        }
        return best == null ? Optional.empty() : Optional.of(clients.get(best));
    }

    /** The next server after {@code server} in pool order, wrapping around; itself if alone. */
    public ComfyUiClient next(String server) {
        List<URI> all = servers();
        int i = all.indexOf(ComfyUiSettings.normalize(URI.create(server)));
        return clients.get(all.get((i + 1) % all.size()));
    }

    /**
     * The server's /object_info, asked again once {@link #OBJECT_INFO_TTL} has passed; a server that
     * does not answer is asked again on the next call (an unanswered call is not remembered).
     */
    public Reply<ObjectInfo> objectInfo(ComfyUiClient server) {
        Instant now = clock.instant();
        KnownNodes known = objectInfo.get(server.baseUrl());
        if (known != null && known.at().plus(OBJECT_INFO_TTL).isAfter(now)) {
            return new Reply.Ok<>(known.info());
        }
        Reply<ObjectInfo> asked = server.objectInfo();
        if (asked instanceof Reply.Ok<ObjectInfo> ok) {
            objectInfo.put(server.baseUrl(), new KnownNodes(now, ok.value()));
        }
        return asked;
    }

    /** Forgets the cached probe, e.g. after a submit found the chosen server down. */
    public void invalidate() {
        lastProbe = null;
    }

    private Map<URI, Integer> load() {
        Probe p = lastProbe;
        Instant now = clock.instant();
        if (p != null && p.at().plus(settings.healthCache()).isAfter(now)) {
            return p.load();
        }
        Map<URI, CompletableFuture<Reply<Integer>>> asks = new LinkedHashMap<>();
        clients.forEach((u, c) -> {
            if (!settings.drained().contains(u)) {
                asks.put(u, c.queueRemainingAsync(settings.healthTimeout()));
            }
        });
        Map<URI, Integer> load = new LinkedHashMap<>();
        for (Map.Entry<URI, CompletableFuture<Reply<Integer>>> e : asks.entrySet()) {
            Reply<Integer> r = e.getValue().join();
            if (r instanceof Reply.Ok<Integer> ok) {
                load.put(e.getKey(), ok.value());
            }
        }
        lastProbe = new Probe(now, Collections.unmodifiableMap(load));
        return load;
    }
}
