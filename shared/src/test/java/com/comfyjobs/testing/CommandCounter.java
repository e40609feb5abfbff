package com.comfyjobs.testing;

import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Counts the commands a lettuce client sends, by command type (what the server sees top-level). */
public final class CommandCounter implements CommandListener {
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    @Override
    public void commandStarted(CommandStartedEvent event) {
        counts.computeIfAbsent(event.getCommand().getType().toString(), k -> new AtomicLong()).incrementAndGet();
    }

    public void reset() {
        counts.clear();
    }

    public long total() {
        return counts.values().stream().mapToLong(AtomicLong::get).sum();
    }

    public long of(String type) {
        AtomicLong n = counts.get(type);
        return n == null ? 0 : n.get();
    }

    /** Sorted, for messages: {EVALSHA=1, ZREM=1}. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new TreeMap<>();
        counts.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }
}
