package com.comfyjobs.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Redis's MONITOR, which tells the commands a client sent ("[0 127.0.0.1:port]") from those a script
 * ran ("[0 lua]"); INFO's counters mix the two. Phases are cut by an ECHO of a marker on another
 * connection, which is left out of the counts: nothing else sends ECHO.
 */
final class RedisMonitor implements AutoCloseable {
    private static final String MARK = "comfyjobs-bench-mark";

    /** Commands by name (EVALSHA with its script's SHA-1 prefix), sent by clients and run inside scripts. */
    record Commands(Map<String, Long> byClients, Map<String, Long> inScripts) {
        long clientTotal() {
            return byClients.values().stream().mapToLong(Long::longValue).sum();
        }

        long scriptTotal() {
            return inScripts.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final Socket monitor;
    private final Socket marker;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread reader;

    private RedisMonitor(URI redis) throws IOException {
        monitor = new Socket(redis.getHost(), redis.getPort());
        marker = new Socket(redis.getHost(), redis.getPort());
        BufferedReader in = new BufferedReader(new InputStreamReader(monitor.getInputStream(), StandardCharsets.UTF_8));
        monitor.getOutputStream().write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
        monitor.getOutputStream().flush();
        String ok = in.readLine();
        if (!"+OK".equals(ok)) {
            throw new IllegalStateException("MONITOR answered " + ok);
        }
        reader = new Thread(() -> {
            try {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (IOException closed) {
                // the socket closes with the monitor
            }
        }, "bench-redis-monitor");
        reader.setDaemon(true);
        reader.start();
    }

    static RedisMonitor start(URI redis) throws IOException {
        return new RedisMonitor(redis);
    }

    /** The commands seen since the last call (or the start), up to a marker sent now. */
    Commands phase() throws IOException, InterruptedException {
        OutputStream out = marker.getOutputStream();
        out.write(("ECHO " + MARK + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        if (marker.getInputStream().read(new byte[64]) < 0) {
            throw new UncheckedIOException(new IOException("the marker connection closed"));
        }
        Map<String, Long> clients = new TreeMap<>();
        Map<String, Long> scripts = new TreeMap<>();
        while (true) {
            String line = lines.poll(30, TimeUnit.SECONDS);
            if (line == null) {
                throw new IllegalStateException("MONITOR never showed the marker");
            }
            int close = line.indexOf("] ");
            if (close < 0) {
                continue;
            }
            String source = line.substring(line.indexOf('[') + 1, close);
            String[] args = line.substring(close + 2).split(" ", 3);
            String name = args[0].replace("\"", "").toUpperCase(java.util.Locale.ROOT);
            if (name.equals("ECHO")) {
                if (line.contains(MARK)) {
                    return new Commands(clients, scripts);
                }
                continue;
            }
            if (name.equals("EVALSHA") && args.length > 1) {
                name += " " + args[1].replace("\"", "").substring(0, 8);
            }
            (source.endsWith(" lua") ? scripts : clients).merge(name, 1L, Long::sum);
        }
    }

    @Override
    public void close() throws IOException {
        monitor.close();
        marker.close();
    }
}
