package com.comfyjobs.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free loopback ports for servers that cannot bind port 0 themselves. */
public final class FreePorts {
    private FreePorts() {
    }

    /**
     * A port that is free now, below 55535 so a Redis Cluster node's bus port (port + 10000) exists,
     * and whose bus port is free too.
     */
    public static int forRedis() {
        for (int i = 0; i < 200; i++) {
            int port = any();
            if (port < 55535 && isFree(port + 10000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port pair for a Redis node found");
    }

    public static int any() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
