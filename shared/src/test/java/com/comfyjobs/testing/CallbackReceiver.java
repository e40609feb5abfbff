package com.comfyjobs.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;

/**
 * A caller's callback receiver over real HTTP on this machine: it keeps every delivery it is sent
 * (whatever it answers), answers what the test says (200 unless told otherwise, slowly if told), and
 * can go down (its port closed, so a sender's connection is refused) and come back on the same port.
 * Each delivery checks its own Standard Webhooks signature with the standardwebhooks library.
 */
public final class CallbackReceiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as it arrived: its Standard Webhooks headers, its body, and its place among all the receiver got. */
    public record Delivery(String id, String timestamp, String signature, String body, int seq) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public String type() {
            return json().path("type").asText();
        }

        public String jobId() {
            return json().path("data").path("jobId").asText();
        }

        /**
         * True when one of the signatures is {@code secret}'s over this id, timestamp and body (the
         * library's signing, whatever the timestamp: a test's clock may be hours ahead).
         */
        public boolean signedWith(String secret) {
            try {
                String expected = new Webhook(secret).sign(id, Long.parseLong(timestamp), body);
                return List.of(signature.split(" ")).contains(expected);
            } catch (Exception e) {
                return false;
            }
        }

        /** The library's own verification, timestamp tolerance included, as a receiver runs it now. */
        public boolean verifies(String secret) {
            try {
                new Webhook(secret).verify(body, Map.of("webhook-id", List.of(id), "webhook-timestamp", List.of(timestamp),
                        "webhook-signature", List.of(signature)));
                return true;
            } catch (Exception e) {
                return false;
            }
        }

        /** How many signatures it carries (two for a day after a rotation). */
        public int signatures() {
            return signature.split(" ").length;
        }
    }

    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private final AtomicInteger seq = new AtomicInteger();
    private final ExecutorService threads = Executors.newFixedThreadPool(32, r -> {
        Thread t = new Thread(r, "callback-receiver");
        t.setDaemon(true);
        return t;
    });
    private volatile ToIntFunction<Delivery> answer = d -> 200;
    private volatile long delayMillis;
    private HttpServer server;

    private CallbackReceiver() {
    }

    public static CallbackReceiver start() {
        CallbackReceiver r = new CallbackReceiver();
        r.listen(0);
        return r;
    }

    private synchronized void listen(int at) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), at), 128);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(threads);
        server.start();
    }

    private void handle(HttpExchange x) throws IOException {
        byte[] body;
        try (InputStream in = x.getRequestBody()) {
            body = in.readAllBytes();
        }
        Delivery d = new Delivery(x.getRequestHeaders().getFirst("webhook-id"), x.getRequestHeaders().getFirst("webhook-timestamp"),
                x.getRequestHeaders().getFirst("webhook-signature"), new String(body, StandardCharsets.UTF_8), seq.incrementAndGet());
        deliveries.add(d);
        long delay = delayMillis;
        if (delay > 0) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] reply = "ok".getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(answer.applyAsInt(d), reply.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(reply);
        }
    }

    /** Where the test's jobs send their callbacks. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/jobs";
    }

    /** What the receiver answers from now on. */
    public void answer(ToIntFunction<Delivery> status) {
        answer = status;
    }

    /** Answers only after this long. */
    public void delay(long millis) {
        delayMillis = millis;
    }

    /** Closes its port: a sender's connection is refused until {@link #up()}. */
    public synchronized void down() {
        server.stop(0);
    }

    public synchronized void up() {
        listen(server.getAddress().getPort());
    }

    /** Everything it was sent, in the order it arrived. */
    public List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    public List<Delivery> of(String jobId) {
        return deliveries.stream().filter(d -> d.jobId().equals(jobId)).toList();
    }

    @Override
    public synchronized void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
