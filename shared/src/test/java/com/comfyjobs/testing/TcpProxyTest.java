package com.comfyjobs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy's faults against an in-process echo server that also keeps everything it received. */
class TcpProxyTest {
    private ServerSocket echo;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private TcpProxy proxy;

    @BeforeEach
    void start() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread c = new Thread(() -> serve(s));
                    c.setDaemon(true);
                    c.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        proxy = new TcpProxy(URI.create("tcp://127.0.0.1:" + echo.getLocalPort()));
    }

    private void serve(Socket s) {
        byte[] buf = new byte[4096];
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                synchronized (received) {
                    received.write(buf, 0, n);
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // the proxy ended the connection
        }
    }

    private String received() {
        synchronized (received) {
            return received.toString(StandardCharsets.US_ASCII);
        }
    }

    /** The proxy wrote it before ending the client's connection; the echo server may not have read it yet. */
    private void awaitReceived(String text) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!received().contains(text)) {
            assertTrue(System.nanoTime() < deadline, "the server never received it: " + received());
            Thread.sleep(5);
        }
    }

    private void awaitAccepted(int connections) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (proxy.connectionsAccepted() < connections) {
            assertTrue(System.nanoTime() < deadline, "the proxy never accepted connection " + connections);
            Thread.sleep(5);
        }
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echo.close();
    }

    private Socket connect() throws IOException {
        return new Socket(InetAddress.getLoopbackAddress(), proxy.port());
    }

    private static String roundTrip(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        return new String(s.getInputStream().readNBytes(text.length()), StandardCharsets.US_ASCII);
    }

    @Test
    void forwardsUntouchedInBothDirections() throws IOException {
        try (Socket s = connect()) {
            assertEquals("hello", roundTrip(s, "hello"));
        }
        assertEquals("tcp://127.0.0.1:" + proxy.port(), proxy.endpoint().toString());
        assertEquals(1, proxy.connectionsAccepted());
    }

    @Test
    void aLostReplyRanOnTheServerEvenWhenItsPatternCameInTwoReads() throws Exception {
        try (Socket other = connect(); Socket s = connect()) {
            proxy.loseReplyToNext("EVALSHA abc".getBytes(StandardCharsets.US_ASCII));
            // the echo proves the first half went through as a chunk of its own
            assertEquals("EVALSHA a", roundTrip(s, "EVALSHA a"));
            s.getOutputStream().write("bc 1\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThrows(SocketException.class, () -> s.getInputStream().read(), "reset, with nothing of the reply before it");
            assertEquals(1, proxy.repliesLost());
            assertEquals("other", roundTrip(other, "other"), "other connections are untouched");
        }
        // the chunk that completed the pattern; the log interleaves connections
        awaitReceived("bc 1\r\n");
    }

    @Test
    void aLostReplyCanEndWithAnOrderlyClose() throws IOException {
        try (Socket s = connect()) {
            proxy.loseReplyToNext("INCR".getBytes(StandardCharsets.US_ASCII), TcpProxy.Ending.CLOSE);
            s.getOutputStream().write("INCR k\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, s.getInputStream().read());
        }
        try (Socket s = connect()) {
            assertEquals("INCR again", roundTrip(s, "INCR again"), "armed for one chunk only");
        }
        assertEquals(1, proxy.repliesLost());
    }

    @Test
    void aBlackHoleSwallowsEverythingUntilRestoredAndItsConnectionsStayDead() throws Exception {
        try (Socket before = connect()) {
            assertEquals("up", roundTrip(before, "up"));
            proxy.blackhole();
            before.getOutputStream().write("lost-1".getBytes(StandardCharsets.US_ASCII));
            try (Socket during = connect()) {
                during.getOutputStream().write("lost-2".getBytes(StandardCharsets.US_ASCII));
                awaitAccepted(2);
                proxy.restore();
                try (Socket after = connect()) {
                    assertEquals("back", roundTrip(after, "back"));
                }
                before.getOutputStream().write("lost-3".getBytes(StandardCharsets.US_ASCII));
                during.getOutputStream().write("lost-4".getBytes(StandardCharsets.US_ASCII));
                try (Socket after = connect()) {
                    assertEquals("still back", roundTrip(after, "still back"));
                }
            }
        }
        assertEquals(4, proxy.connectionsAccepted());
        assertEquals("upbackstill back", received());
    }
}
