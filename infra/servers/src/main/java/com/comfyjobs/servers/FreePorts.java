package com.comfyjobs.servers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for servers that cannot bind port 0 themselves, or whose port must be known
 * before they start (a webhook URL names it). They come from below the kernels' ephemeral ranges
 * (Linux 32768-60999, BSD and macOS 49152-65535): a port picked there is never the one a server
 * binding port 0 is handed between the pick and the bind, which a port the kernel picked (and freed)
 * can be. No port is handed out twice in one JVM.
 */
public final class FreePorts {
    private static final int LOW = 20_000;
    private static final int BELOW_EPHEMERAL = 32_768;
    private static final int BUS_OFFSET = 10_000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** A port that is free now, whose Redis Cluster bus port (port + 10000) is free and below the ephemeral range too. */
    public static int forRedis() {
        return pick(BELOW_EPHEMERAL - BUS_OFFSET, true);
    }

    public static int any() {
        return pick(BELOW_EPHEMERAL, false);
    }

    private static int pick(int below, boolean withBus) {
        for (int i = 0; i < 1000; i++) {
            int port = ThreadLocalRandom.current().nextInt(LOW, below);
            if (isFree(port) && (!withBus || isFree(port + BUS_OFFSET)) && HANDED_OUT.add(port)) {
                if (withBus) {
                    HANDED_OUT.add(port + BUS_OFFSET);
                }
                return port;
            }
        }
        throw new IllegalStateException("no free port found between " + LOW + " and " + below);
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
