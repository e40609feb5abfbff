package com.comfyjobs.recovery;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/** At most {@link #PER_SERVER} calls in flight toward one ComfyUI server, whatever the number of threads. */
final class ServerGate {
    /** Enough to keep a sweep quick, few enough not to load a GPU box. */
    static final int PER_SERVER = 8;

    private final Map<String, Semaphore> perServer = new ConcurrentHashMap<>();

    <T> T call(String server, Supplier<T> call) {
        Semaphore gate = perServer.computeIfAbsent(server == null ? "" : server, s -> new Semaphore(PER_SERVER));
        gate.acquireUninterruptibly();
        try {
            return call.get();
        } finally {
            gate.release();
        }
    }
}
