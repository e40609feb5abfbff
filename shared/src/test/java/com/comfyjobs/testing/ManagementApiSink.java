package com.comfyjobs.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The API Gateway Management API's wire format on a local port, for the real SDK client to post to:
 * {@code POST /@connections/{id}} with the message as its body and a SigV4 signature, answered 200; a
 * connection marked {@link #gone} is answered 410 with {@code x-amzn-ErrorType: GoneException}, as API
 * Gateway answers for a closed connection. Every message is kept per connection, in order, with the
 * time of the sink's clock when it arrived.
 */
public final class ManagementApiSink implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(16, r -> {
        Thread t = new Thread(r, "management-api-sink");
        t.setDaemon(true);
        return t;
    });
    /** One message as it arrived. */
    public record Arrival(Instant at, String body) {
    }

    private final Clock clock;
    private final Map<String, List<Arrival>> messages = new ConcurrentHashMap<>();
    private final Set<String> gone = ConcurrentHashMap.newKeySet();
    private final AtomicLong unsigned = new AtomicLong();
    private final AtomicLong posts = new AtomicLong();
    private volatile boolean keep = true;

    private ManagementApiSink(Clock clock) throws IOException {
        this.clock = clock;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        server.setExecutor(threads);
        server.createContext("/", this::serve);
        server.start();
    }

    public static ManagementApiSink start() {
        return start(Clock.systemUTC());
    }

    /** Arrivals stamped by {@code clock}. */
    public static ManagementApiSink start(Clock clock) {
        try {
            return new ManagementApiSink(clock);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where a stage URL would be: the SDK appends /@connections/{id}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** From now on the connection is closed: posts to it are answered 410. */
    public void gone(String connectionId) {
        gone.add(connectionId);
    }

    /** Counts posts without keeping their bodies (benchmarks). */
    public void keepNothing() {
        keep = false;
    }

    public List<String> messages(String connectionId) {
        return arrivals(connectionId).stream().map(Arrival::body).toList();
    }

    public List<Arrival> arrivals(String connectionId) {
        List<Arrival> m = messages.get(connectionId);
        if (m == null) {
            return List.of();
        }
        synchronized (m) {
            return List.copyOf(m);
        }
    }

    public long posts() {
        return posts.get();
    }

    /** Posts that carried no SigV4 Authorization header (the real API refuses them). */
    public long unsigned() {
        return unsigned.get();
    }

    private void serve(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getRawPath();
            byte[] body = x.getRequestBody().readAllBytes();
            if (!"POST".equals(x.getRequestMethod()) || !path.startsWith("/@connections/")) {
                reply(x, 404, "NotFoundException", "{\"message\":\"Not Found\"}");
                return;
            }
            posts.incrementAndGet();
            String auth = x.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !auth.startsWith("AWS4-HMAC-SHA256 ")) {
                unsigned.incrementAndGet();
            }
            String id = URLDecoder.decode(path.substring("/@connections/".length()), StandardCharsets.UTF_8);
            if (gone.contains(id)) {
                reply(x, 410, "GoneException", "{\"message\":null}");
                return;
            }
            if (keep) {
                List<Arrival> m = messages.computeIfAbsent(id, k -> new ArrayList<>());
                synchronized (m) {
                    m.add(new Arrival(clock.instant(), new String(body, StandardCharsets.UTF_8)));
                }
            }
            x.sendResponseHeaders(200, -1);
        }
    }

    private static void reply(HttpExchange x, int status, String errorType, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.getResponseHeaders().set("x-amzn-ErrorType", errorType);
        x.sendResponseHeaders(status, b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
