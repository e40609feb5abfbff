package com.comfyjobs.simulator.http;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many requests the server was sent, by method and the route's first segment ("POST /prompt",
 * "GET /history" for every /history/{id}), so a client's calls can be counted at the server.
 */
public final class RequestCounts {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    void count(String method, String route) {
        int second = route.indexOf('/', 1);
        String first = second < 0 ? route : route.substring(0, second);
        counts.computeIfAbsent(method + " " + first, k -> new LongAdder()).increment();
    }

    /** A snapshot, sorted by method and route. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((route, n) -> out.put(route, n.sum()));
        return out;
    }
}
