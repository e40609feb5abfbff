package com.comfyjobs.outbound;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The URL rules against a real HTTP server on loopback: what a server may answer (redirects, errors,
 * bodies too large or endless), and that with private URLs refused nothing reaches it, DNS
 * rebinding included.
 */
class UrlFetcherIT {
    private static final byte[] BODY = "an image, as far as this test goes".getBytes();
    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> posted = new CopyOnWriteArrayList<>();
    private String base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.add(exchange.getRequestURI().getPath());
            String path = exchange.getRequestURI().getPath();
            posted.add(exchange.getRequestMethod() + " " + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                    + " " + exchange.getRequestHeaders().getFirst("webhook-id"));
            try (OutputStream out = exchange.getResponseBody()) {
                switch (path) {
                    case "/slow" -> {
                        try {
                            Thread.sleep(10_000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        exchange.sendResponseHeaders(204, -1);
                    }
                    case "/image" -> {
                        exchange.sendResponseHeaders(200, BODY.length);
                        out.write(BODY);
                    }
                    case "/redirect" -> {
                        exchange.getResponseHeaders().add("Location", base + "/image");
                        exchange.sendResponseHeaders(302, -1);
                    }
                    case "/big" -> {
                        exchange.sendResponseHeaders(200, 5000);
                        out.write(new byte[5000]);
                    }
                    case "/big-chunked" -> {
                        exchange.sendResponseHeaders(200, 0);
                        out.write(new byte[5000]);
                    }
                    case "/endless" -> {
                        exchange.sendResponseHeaders(200, 0);
                        byte[] chunk = new byte[8192];
                        while (true) {
                            out.write(chunk);
                        }
                    }
                    default -> exchange.sendResponseHeaders(404, -1);
                }
            } catch (IOException e) {
                // the client hung up, which is what the size cap does
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static UrlFetcher fetcher(UrlPolicy policy) {
        return new UrlFetcher(policy, Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(10));
    }

    private static String refusal(UrlFetcher f, String url, long max) {
        return assertThrows(UrlRefusedException.class, () -> f.get(url, max), url).getMessage();
    }

    @Test
    void aPlainAnswerIsFetched() {
        try (UrlFetcher f = fetcher(new UrlPolicy(true, UrlPolicy.HostLookup.SYSTEM))) {
            assertArrayEquals(BODY, f.get(base + "/image", 1000));
        }
    }

    @Test
    void aRedirectIsRefusedAndNotFollowed() {
        try (UrlFetcher f = fetcher(new UrlPolicy(true, UrlPolicy.HostLookup.SYSTEM))) {
            assertEquals("the URL answered with a redirect (HTTP 302); redirects are not followed", refusal(f, base + "/redirect", 1000));
            assertEquals(List.of("/redirect"), requests, "the redirect's target was never asked for");
            assertEquals("the URL answered HTTP 404", refusal(f, base + "/missing", 1000));
        }
    }

    @Test
    @Timeout(60)
    void bodiesOverTheCapAreRefusedWhetherAnnouncedStreamedOrEndless() {
        try (UrlFetcher f = fetcher(new UrlPolicy(true, UrlPolicy.HostLookup.SYSTEM))) {
            assertEquals("the URL's body is larger than 4999 bytes", refusal(f, base + "/big", 4999));
            assertEquals("the URL's body is larger than 4999 bytes", refusal(f, base + "/big-chunked", 4999));
            assertEquals("the URL's body is larger than 100000 bytes", refusal(f, base + "/endless", 100_000));
            assertEquals(5000, f.get(base + "/big-chunked", 5000).length, "exactly the cap is taken");
        }
    }

    @Test
    void withPrivateUrlsRefusedNothingReachesALoopbackServer() {
        try (UrlFetcher f = fetcher(new UrlPolicy(false, UrlPolicy.HostLookup.SYSTEM))) {
            assertEquals("the URL must use https", refusal(f, base + "/image", 1000));
            String port = ":" + server.getAddress().getPort();
            assertEquals("the URL's host is a loopback address, which is not allowed", refusal(f, "https://127.0.0.1" + port + "/image", 1000));
            assertEquals("the URL's host is a loopback address, which is not allowed", refusal(f, "https://[::ffff:127.0.0.1]" + port + "/image", 1000));
            assertEquals("the URL's host resolves to a loopback address, which is not allowed", refusal(f, "https://localhost" + port + "/image", 1000));
            assertEquals(List.of(), requests);
        }
    }

    /**
     * A name server that answers a public address first and a loopback one after (DNS rebinding): the
     * connection goes to the address that was checked, never to one a second lookup would give. The
     * host is "localhost", so a client that looked it up again by other means (the system's resolver)
     * would reach the loopback server too.
     */
    @Test
    void aRebindingNameServerCannotTurnTheCheckedHostIntoALoopbackOne() throws Exception {
        InetAddress checked = InetAddress.getByName("198.51.100.7");
        AtomicInteger lookups = new AtomicInteger();
        UrlPolicy policy = new UrlPolicy(false, host -> new InetAddress[] {lookups.getAndIncrement() == 0 ? checked : InetAddress.getLoopbackAddress()});
        try (UrlFetcher f = fetcher(policy)) {
            String why = refusal(f, "https://localhost:" + server.getAddress().getPort() + "/image", 1000);
            assertTrue(why.equals("the URL's server could not be reached") || why.equals("the URL's server did not answer in time"), why);
        }
        assertEquals(1, lookups.get(), "one lookup, the one that was checked");
        assertEquals(List.of(), requests, "nothing reached the loopback server a second lookup would have named");
    }

    @Test
    void aNameServerAnsweringAPrivateAddressFirstIsRefusedBeforeAnyConnection() {
        UrlPolicy policy = new UrlPolicy(false, host -> new InetAddress[] {InetAddress.getLoopbackAddress()});
        try (UrlFetcher f = fetcher(policy)) {
            assertEquals("the URL's host resolves to a loopback address, which is not allowed",
                    refusal(f, "https://rebind.example:" + server.getAddress().getPort() + "/image", 1000));
        }
        assertEquals(List.of(), requests);
    }
    private static UrlFetcher.Answer post(UrlFetcher f, String url) {
        return f.post(url, Map.of("webhook-id", "msg_1"), "{\"type\":\"job.failed\"}".getBytes(StandardCharsets.UTF_8), 1024,
                Duration.ofSeconds(5));
    }

    @Test
    void aPostSendsItsBodyAndHeadersAndIsAnsweredWhateverItsStatusWithoutFollowingRedirects() {
        try (UrlFetcher f = fetcher(new UrlPolicy(true, UrlPolicy.HostLookup.SYSTEM))) {
            UrlFetcher.Answer ok = post(f, base + "/image");
            assertEquals(200, ok.status());
            assertArrayEquals(BODY, ok.start());
            assertEquals("POST {\"type\":\"job.failed\"} msg_1", posted.get(0));
            assertEquals(302, post(f, base + "/redirect").status());
            assertEquals(404, post(f, base + "/missing").status());
            assertEquals(List.of("/image", "/redirect", "/missing"), requests, "the redirect's target was never asked for");
        }
    }

    @Test
    @Timeout(60)
    void aPostReadsAtMostItsCapOfAnAnswerEvenAnEndlessOne() {
        try (UrlFetcher f = fetcher(new UrlPolicy(true, UrlPolicy.HostLookup.SYSTEM))) {
            UrlFetcher.Answer a = post(f, base + "/endless");
            assertEquals(200, a.status());
            assertEquals(1024, a.start().length);
            assertEquals(1024, post(f, base + "/big").start().length);
        }
    }

    @Test
    @Timeout(60)
    void aPostIsCutAtItsDeadline() {
        try (UrlFetcher f = new UrlFetcher(new UrlPolicy(true, UrlPolicy.HostLookup.SYSTEM), Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofSeconds(30))) {
            UrlRefusedException e = assertThrows(UrlRefusedException.class, () -> f.post(base + "/slow", Map.of(), new byte[0], 1024,
                    Duration.ofMillis(300)));
            assertEquals("the URL's server did not answer in time", e.getMessage());
        }
    }

    @Test
    void aPostWithPrivateUrlsRefusedReachesNothingNotEvenThroughARebindingNameServer() {
        AtomicInteger lookups = new AtomicInteger();
        UrlPolicy rebinding = new UrlPolicy(false, host -> new InetAddress[] {lookups.getAndIncrement() == 0
                ? InetAddress.getByName("198.51.100.7") : InetAddress.getLoopbackAddress()});
        String port = ":" + server.getAddress().getPort();
        try (UrlFetcher strict = fetcher(new UrlPolicy(false, UrlPolicy.HostLookup.SYSTEM)); UrlFetcher f = fetcher(rebinding)) {
            assertThrows(UrlRefusedException.class, () -> post(strict, "https://localhost" + port + "/image"));
            assertThrows(UrlRefusedException.class, () -> post(strict, "https://127.0.0.1" + port + "/image"));
            assertThrows(UrlRefusedException.class, () -> post(f, "https://localhost" + port + "/image"));
        }
        assertEquals(1, lookups.get());
        assertEquals(List.of(), requests);
    }
}
