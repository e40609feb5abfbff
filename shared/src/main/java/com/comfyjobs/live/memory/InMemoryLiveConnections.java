package com.comfyjobs.live.memory;

import com.comfyjobs.live.LiveConnections;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@link LiveConnections} in one JVM's memory, with Redis's expiry: a connection is gone at its end. */
public final class InMemoryLiveConnections implements LiveConnections {
    private record Connection(String userId, Instant until, Set<String> targets) {
    }

    private final Clock clock;
    private final Map<String, Connection> connections = new HashMap<>();

    public InMemoryLiveConnections(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized void open(String connectionId, String userId, Instant until) {
        connections.put(connectionId, new Connection(userId, until, new LinkedHashSet<>()));
    }

    private Connection live(String connectionId) {
        Connection c = connections.get(connectionId);
        if (c != null && !c.until().isAfter(clock.instant())) {
            connections.remove(connectionId);
            return null;
        }
        return c;
    }

    @Override
    public synchronized Optional<Remembered> remember(String connectionId, String target) {
        Connection c = live(connectionId);
        if (c == null) {
            return Optional.empty();
        }
        c.targets().add(target);
        return Optional.of(new Remembered(c.userId(), c.targets().size()));
    }

    @Override
    public synchronized Optional<String> forget(String connectionId, String target) {
        Connection c = live(connectionId);
        if (c == null) {
            return Optional.empty();
        }
        c.targets().remove(target);
        return Optional.of(c.userId());
    }

    @Override
    public synchronized Optional<Closed> close(String connectionId) {
        Connection c = live(connectionId);
        connections.remove(connectionId);
        return c == null ? Optional.empty() : Optional.of(new Closed(c.userId(), Set.copyOf(c.targets())));
    }

    /** The connections open now, for tests. */
    public synchronized Set<String> open() {
        Instant now = clock.instant();
        connections.values().removeIf(c -> !c.until().isAfter(now));
        return Set.copyOf(connections.keySet());
    }
}
