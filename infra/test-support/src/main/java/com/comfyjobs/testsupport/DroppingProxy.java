package com.comfyjobs.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP forwarder that, when armed with {@link #dropNext}, cuts the connection that is sending once
 * {@code afterBytes} more bytes went through, as a load balancer or a flaky network does mid-upload;
 * otherwise it forwards untouched. Clients must then retry with the same bytes.
 */
public final class DroppingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final long afterBytes;
    private final AtomicInteger dropsLeft = new AtomicInteger();
    private final AtomicLong sinceArmed = new AtomicLong();
    private final AtomicInteger dropped = new AtomicInteger();

    public DroppingProxy(URI target, long afterBytes) {
        this.target = new InetSocketAddress(target.getHost(), target.getPort());
        this.afterBytes = afterBytes;
        try {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread accept = new Thread(this::acceptLoop, "dropping-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** Cuts the next {@code connections} uploads, each after another {@code afterBytes} bytes. */
    public void dropNext(int connections) {
        sinceArmed.set(0);
        dropsLeft.set(connections);
    }

    /** How many connections were cut so far. */
    public int dropped() {
        return dropped.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(target.getAddress(), target.getPort());
                pump(client, server, true);
                pump(server, client, false);
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private void pump(Socket from, Socket to, boolean upstream) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                    if (upstream && cutNow(n)) {
                        break;
                    }
                }
            } catch (IOException ignored) {
                // the other direction closed the pair
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "dropping-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private boolean cutNow(int bytes) {
        if (dropsLeft.get() <= 0 || sinceArmed.addAndGet(bytes) < afterBytes || dropsLeft.getAndDecrement() <= 0) {
            return false;
        }
        sinceArmed.set(0);
        dropped.incrementAndGet();
        return true;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.setSoLinger(true, 0);
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
