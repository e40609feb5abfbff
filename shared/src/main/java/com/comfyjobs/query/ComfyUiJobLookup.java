package com.comfyjobs.query;

import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.HistoryEntry;
import com.comfyjobs.comfyui.QueueSnapshot;
import com.comfyjobs.comfyui.Reply;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.PromptIds;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Finds a job on ComfyUI when the store cannot be asked: each attempt's prompt id, newest first, in
 * every server's history and then in its queue (the order recovery reads them in, so a prompt that
 * finishes between the two reads is still seen). The prompt's {@code extra_data}, which dispatch
 * sends with every prompt, must name the job and the caller; a prompt naming anyone else is another
 * user's job. Bounded: at most {@code maxAttempts} x servers history reads plus one queue read per
 * server, none started past one request timeout; each job's answer is kept for {@link #CACHE_FOR}, so
 * a caller polling through an outage costs ComfyUI one lookup per job every few seconds.
 */
final class ComfyUiJobLookup {
    static final Duration CACHE_FOR = Duration.ofSeconds(5);
    private static final int MAX_CACHED = 10_000;

    /** What ComfyUI shows of a job: nothing (or nothing it can tell), the caller's job, or someone else's. */
    sealed interface Found permits Found.Nothing, Found.Owned, Found.NotOwned {
        record Nothing() implements Found {
        }

        record Owned(DegradedJobView view) implements Found {
        }

        record NotOwned() implements Found {
        }
    }

    private record Cached(Instant at, String userId, Found found) {
    }

    private final Supplier<ComfyUiPool> pool;
    private final int maxAttempts;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    ComfyUiJobLookup(Supplier<ComfyUiPool> pool, int maxAttempts, Clock clock) {
        this.pool = pool;
        this.maxAttempts = maxAttempts;
        this.clock = clock;
    }

    Found find(String userId, String jobId) {
        Instant now = clock.instant();
        Cached c = cache.get(jobId);
        if (c != null && c.userId().equals(userId) && now.isBefore(c.at().plus(CACHE_FOR))) {
            return c.found();
        }
        Found found = lookUp(userId, jobId, now);
        if (cache.size() >= MAX_CACHED) {
            cache.entrySet().removeIf(e -> !now.isBefore(e.getValue().at().plus(CACHE_FOR)));
        }
        if (cache.size() < MAX_CACHED) {
            cache.put(jobId, new Cached(now, userId, found));
        }
        return found;
    }

    private Found lookUp(String userId, String jobId, Instant start) {
        ComfyUiPool servers = pool.get();
        Instant deadline = start.plus(servers.requestTimeout());
        Map<URI, QueueSnapshot> queues = new HashMap<>();
        for (int attempt = maxAttempts; attempt >= 1; attempt--) {
            String promptId = PromptIds.of(jobId, attempt);
            for (URI server : servers.servers()) {
                if (!clock.instant().isBefore(deadline)) {
                    return new Found.Nothing();
                }
                Reply<Optional<HistoryEntry>> h = servers.client(server.toString()).history(promptId);
                if (h instanceof Reply.Ok<Optional<HistoryEntry>> ok && ok.value().isPresent()) {
                    HistoryEntry e = ok.value().get();
                    // the newest attempt found decides; an interrupted one says nothing of why (a cancel, an expiry, a move)
                    return ofHistory(jobId, attempt, e).map(v -> owned(userId, jobId, e.extraData(), v)).orElse(new Found.Nothing());
                }
            }
            for (URI server : servers.servers()) {
                QueueSnapshot q = queues.computeIfAbsent(server, s -> queue(servers.client(s.toString()), deadline));
                if (q == null) {
                    continue;
                }
                QueueSnapshot.Place place = q.find(promptId);
                if (place != QueueSnapshot.Place.ABSENT) {
                    JobStatus status = place == QueueSnapshot.Place.RUNNING ? JobStatus.RUNNING : JobStatus.QUEUED;
                    return owned(userId, jobId, q.extraDataOf(promptId), new DegradedJobView(jobId, status, null, attempt, null));
                }
            }
        }
        return new Found.Nothing();
    }

    private QueueSnapshot queue(ComfyUiClient server, Instant deadline) {
        if (!clock.instant().isBefore(deadline)) {
            return null;
        }
        return server.queue() instanceof Reply.Ok<QueueSnapshot> ok ? ok.value() : null;
    }

    private static Optional<DegradedJobView> ofHistory(String jobId, int attempt, HistoryEntry e) {
        return switch (e.outcome()) {
            case SUCCESS -> Optional.of(new DegradedJobView(jobId, JobStatus.FINALIZING, 1.0, attempt, null));
            case ERROR -> Optional.of(new DegradedJobView(jobId, JobStatus.FAILED, null, attempt, e.error()));
            case UNFINISHED -> Optional.of(new DegradedJobView(jobId, JobStatus.RUNNING, null, attempt, null));
            case INTERRUPTED -> Optional.empty();
        };
    }

    private static Found owned(String userId, String jobId, JsonNode extraData, DegradedJobView view) {
        JsonNode sent = extraData == null ? MissingNode.getInstance() : extraData;
        boolean ours = jobId.equals(sent.path("jobId").asText(null)) && userId.equals(sent.path("userId").asText(null));
        return ours ? new Found.Owned(view) : new Found.NotOwned();
    }
}
