package com.comfyjobs.templates;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Templates this container read lately, each for at most the cache time, so a template job costs no
 * Redis read for its template. Only templates that exist are kept (a name nobody published is asked
 * again each time, so a template is usable the moment it is published); at most
 * {@value #MAX_ENTRIES} of them, the lot dropped when full, as a burst of names must not grow memory.
 */
final class TemplateCache {
    static final int MAX_ENTRIES = 1000;

    private record Entry(Template template, Instant until) {
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Duration ttl;
    private final Clock clock;

    TemplateCache(Duration ttl, Clock clock) {
        this.ttl = ttl;
        this.clock = clock;
    }

    /** The latest version of {@code name}, or {@code version} of it when not null. */
    Optional<Template> get(String name, Integer version, Supplier<Optional<Template>> load) {
        String key = version == null ? name : name + "@" + version;
        Instant now = clock.instant();
        Entry e = entries.get(key);
        if (e != null && now.isBefore(e.until())) {
            return Optional.of(e.template());
        }
        Optional<Template> loaded = load.get();
        if (loaded.isPresent() && !ttl.isZero()) {
            if (entries.size() >= MAX_ENTRIES) {
                entries.clear();
            }
            entries.put(key, new Entry(loaded.get(), now.plus(ttl)));
        } else {
            entries.remove(key);
        }
        return loaded;
    }

    /** A publish or retire in this container is seen by its next read. */
    void forget(String name) {
        entries.keySet().removeIf(k -> k.equals(name) || k.startsWith(name + "@"));
    }
}
