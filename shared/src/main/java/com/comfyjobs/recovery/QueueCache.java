package com.comfyjobs.recovery;

import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.QueueSnapshot;
import com.comfyjobs.comfyui.Reply;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * One server's /queue, fetched at most once per {@link #TTL} however many stale jobs of a sweep ask
 * (a queue can be large). A snapshot a few seconds old is still safe for the history, queue, history
 * lookup: a prompt that left the queue since is caught by the second history call.
 */
final class QueueCache {
    static final Duration TTL = Duration.ofSeconds(2);

    private final ComfyUiClient client;
    private final Clock clock;
    private Instant fetchedAt = Instant.MIN;
    private Reply<QueueSnapshot> snapshot;

    QueueCache(ComfyUiClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    synchronized Reply<QueueSnapshot> get() {
        Instant now = clock.instant();
        if (!(snapshot instanceof Reply.Ok) || fetchedAt.plus(TTL).isBefore(now)) {
            snapshot = client.queue();
            fetchedAt = now;
        }
        return snapshot;
    }
}
