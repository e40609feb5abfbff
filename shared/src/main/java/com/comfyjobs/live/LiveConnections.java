package com.comfyjobs.live;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * The WebSocket connections: each one's user and what it listens to, kept for as long as API Gateway
 * keeps the connection open at most ({@link LiveService#CONNECTION_LIFETIME}), so that its disconnect
 * (or a push that finds it gone) can take its listener registrations back. The registrations
 * themselves are the job store's ({@code JobStore.listen}), beside the jobs they are about.
 * Implementations: {@code RedisLiveConnections}, {@code InMemoryLiveConnections}.
 */
public interface LiveConnections {
    /** What a connection listening to all of its user's jobs remembers. */
    String ALL = "*";

    /** A connection was opened by {@code userId}; it ends at {@code until} at the latest. */
    void open(String connectionId, String userId, Instant until);

    /**
     * Remembers that the connection listens to {@code target} (a job id, or {@link #ALL}).
     *
     * @return the connection's user and how many targets it now remembers; empty when the connection
     *         is unknown (it ended, or was never opened)
     */
    Optional<Remembered> remember(String connectionId, String target);

    /** Forgets one target; answers the connection's user, empty when the connection is unknown. */
    Optional<String> forget(String connectionId, String target);

    /** Removes the connection; answers its user and targets, empty when it was removed already. */
    Optional<Closed> close(String connectionId);

    record Remembered(String userId, long targets) {
    }

    record Closed(String userId, Set<String> targets) {
    }
}
