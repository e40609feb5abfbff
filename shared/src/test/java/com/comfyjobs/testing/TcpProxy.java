package com.comfyjobs.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;

/**
 * A TCP forwarder on a loopback port in front of one server, passing bytes untouched until told to
 * inflict one of the faults a client has to survive:
 * <ul>
 * <li>{@link #cutUploads}: the connection that is sending is cut after some more bytes, as a load
 * balancer or a flaky network does mid-upload;</li>
 * <li>{@link #loseReplyToNext}: a request reaches the server and runs there, but its reply never
 * comes back and the client's connection ends, so the client cannot know whether it ran;</li>
 * <li>{@link #blackhole}: the server vanishes without a TCP reset, as after a failover to another
 * machine: connections stay open and swallow everything, and so do new ones, until
 * {@link #restore}.</li>
 * </ul>
 */
public final class TcpProxy implements AutoCloseable {
    /** The longest pattern {@link #loseReplyToNext} takes; that many bytes of each stream are kept to find it across reads. */
    public static final int MAX_PATTERN = 1024;

    /** How the client's connection ends after its reply was lost. */
    public enum Ending {
        /** A TCP reset, as from a server that crashed or a middlebox that gave up. */
        RESET,
        /** An orderly close, as from a server that closed its clients' connections. */
        CLOSE
    }

    private record LostReply(byte[] pattern, Ending ending) {
    }

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final String scheme;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final AtomicReference<LostReply> loseNext = new AtomicReference<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger repliesLost = new AtomicInteger();
    private final AtomicInteger cutsLeft = new AtomicInteger();
    private final AtomicLong sinceArmed = new AtomicLong();
    private final AtomicInteger uploadsCut = new AtomicInteger();
    private volatile long cutAfterBytes;
    private boolean blackholed;

    public TcpProxy(URI target) {
        this(target, null);
    }

    /**
     * A proxy that ends TLS made with {@code tls} (a server context) and passes the plain bytes on, as a
     * TLS-terminating endpoint in front of a server without TLS; its endpoint's scheme is the target's
     * with an s ({@code rediss}).
     */
    public TcpProxy(URI target, SSLContext tls) {
        this.target = new InetSocketAddress(target.getHost(), target.getPort());
        this.scheme = tls == null ? target.getScheme() : target.getScheme() + "s";
        try {
            listener = tls == null ? new ServerSocket(0, 50, InetAddress.getLoopbackAddress())
                    : tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        daemon("tcp-proxy-accept", this::acceptLoop);
    }

    /** The proxy's address, with the target's scheme. */
    public URI endpoint() {
        return URI.create(scheme + "://127.0.0.1:" + listener.getLocalPort());
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Cuts the next {@code connections} uploads, each once another {@code afterBytes} bytes went through. */
    public void cutUploads(int connections, long afterBytes) {
        cutAfterBytes = afterBytes;
        sinceArmed.set(0);
        cutsLeft.set(connections);
    }

    /** {@link #loseReplyToNext(byte[], Ending)} ending with a reset. */
    public void loseReplyToNext(byte[] pattern) {
        loseReplyToNext(pattern, Ending.RESET);
    }

    /**
     * The next chunk any client sends that contains {@code pattern} (even split across reads) still
     * reaches the server, which runs it; from then on nothing the server sends on that connection
     * reaches the client, whose connection ends as {@code ending} says. Other connections are
     * untouched.
     */
    public void loseReplyToNext(byte[] pattern, Ending ending) {
        if (pattern.length == 0 || pattern.length > MAX_PATTERN) {
            throw new IllegalArgumentException("a pattern has 1 to " + MAX_PATTERN + " bytes");
        }
        loseNext.set(new LostReply(pattern.clone(), ending));
    }

    /** Forgets a {@link #loseReplyToNext} that has not struck yet (when it was armed on several proxies at once). */
    public void keepReplies() {
        loseNext.set(null);
    }

    /**
     * Every open connection stops forwarding in both directions without closing: what either side
     * sends is read and dropped. New connections are accepted and dropped the same way.
     */
    public synchronized void blackhole() {
        blackholed = true;
        links.forEach(l -> l.dead = true);
    }

    /** New connections forward again; the black-holed ones stay dead until their clients close them. */
    public synchronized void restore() {
        blackholed = false;
    }

    /**
     * Client connections accepted so far, black-holed ones included. The kernel completes a connect
     * before the proxy accepts it: a connection counts as made during a black hole only once counted.
     */
    public int connectionsAccepted() {
        return accepted.get();
    }

    /** Connections ended by {@link #loseReplyToNext} so far. */
    public int repliesLost() {
        return repliesLost.get();
    }

    /** Uploads cut by {@link #cutUploads} so far. */
    public int uploadsCut() {
        return uploadsCut.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
                throw new UncheckedIOException(e);
            }
            Link link = open(client);
            if (link != null) {
                daemon("tcp-proxy-up", () -> upstream(link));
                if (link.server != null) {
                    daemon("tcp-proxy-down", () -> downstream(link));
                }
            }
        }
    }

    /** Counted under the lock, so a test that saw the count knows whether the connection was black-holed. */
    private synchronized Link open(Socket client) {
        accepted.incrementAndGet();
        Socket server = null;
        if (!blackholed) {
            try {
                server = new Socket(target.getAddress(), target.getPort());
            } catch (IOException e) {
                // the server is down: the client sees its connection refused, as without the proxy
                reset(client);
                return null;
            }
        }
        Link link = new Link(client, server);
        link.dead = blackholed;
        links.add(link);
        return link;
    }

    private void upstream(Link link) {
        byte[] buf = new byte[16 * 1024];
        try {
            InputStream in = link.client.getInputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                LostReply lose = link.watch(buf, n);
                if (link.dead) {
                    continue;
                }
                if (lose != null) {
                    // before the write: the reply may come back before this thread runs again
                    link.losing = true;
                }
                OutputStream out = link.server.getOutputStream();
                out.write(buf, 0, n);
                out.flush();
                if (lose != null) {
                    repliesLost.incrementAndGet();
                    if (lose.ending == Ending.RESET) {
                        reset(link.client);
                    } else {
                        quietly(link.client::close);
                    }
                    // an orderly end of input: the server runs what it read before it sees the close
                    quietly(link.server::shutdownOutput);
                    return;
                }
                if (cutNow(n)) {
                    break;
                }
            }
        } catch (IOException ignored) {
            // the other direction closed the pair
        }
        link.close();
    }

    private void downstream(Link link) {
        byte[] buf = new byte[16 * 1024];
        try {
            InputStream in = link.server.getInputStream();
            OutputStream out = link.client.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (!link.dead && !link.losing) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            }
        } catch (IOException ignored) {
            // the other direction closed the pair
        }
        if (link.dead) {
            // a vanished server tells its clients nothing
            reset(link.server);
        } else {
            link.close();
        }
    }

    private boolean cutNow(int bytes) {
        if (cutsLeft.get() <= 0 || sinceArmed.addAndGet(bytes) < cutAfterBytes || cutsLeft.getAndDecrement() <= 0) {
            return false;
        }
        sinceArmed.set(0);
        uploadsCut.incrementAndGet();
        return true;
    }

    private final class Link {
        final Socket client;
        final Socket server;
        volatile boolean dead;
        volatile boolean losing;
        /** The last bytes the client sent, so a pattern split across reads is still found; upstream thread only. */
        private byte[] tail = new byte[0];

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        /** The armed lost reply if this chunk completes its pattern, claimed so that only one connection takes it. */
        LostReply watch(byte[] buf, int n) {
            byte[] window = Arrays.copyOf(tail, tail.length + n);
            System.arraycopy(buf, 0, window, tail.length, n);
            tail = Arrays.copyOfRange(window, Math.max(0, window.length - (MAX_PATTERN - 1)), window.length);
            LostReply armed = loseNext.get();
            if (armed == null || dead || indexOf(window, armed.pattern) < 0 || !loseNext.compareAndSet(armed, null)) {
                return null;
            }
            return armed;
        }

        void close() {
            links.remove(this);
            reset(client);
            if (server != null) {
                reset(server);
            }
        }
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private interface SocketAction {
        void run() throws IOException;
    }

    private static void quietly(SocketAction action) {
        try {
            action.run();
        } catch (IOException ignored) {
            // already closed
        }
    }

    private static void reset(Socket s) {
        quietly(() -> {
            s.setSoLinger(true, 0);
            s.close();
        });
    }

    private static void daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    /** Stops accepting and ends every connection. */
    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        links.forEach(Link::close);
    }
}
