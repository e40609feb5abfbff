package com.comfyjobs.recovery;

import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.HistoryEntry;
import com.comfyjobs.comfyui.HistoryPage;
import com.comfyjobs.comfyui.PromptLocation;
import com.comfyjobs.comfyui.QueueSnapshot;
import com.comfyjobs.comfyui.Reply;
import com.comfyjobs.job.Job;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One ComfyUI server's history and queue, read once to place many of its stale jobs' prompts, in the
 * order {@link PromptLocation} asks about one: history, queue, history.
 *
 * <p>ComfyUI's {@code GET /history?offset=N&max_items=M} counts {@code offset} from the oldest entry,
 * and history only grows at its newest end (a prompt that finishes) and shrinks anywhere (the cap drops
 * the oldest, a caller deletes one). So history is read oldest first, {@link #PAGE} entries a page, each
 * page starting at the last entry of the one before: when that entry is not where it was, something
 * before it was dropped and everything after moved down, so entries may have been skipped and the read
 * is incomplete. A read is complete when a page comes back short (the newest end was reached) and every
 * page started where the one before ended. The second read goes on from where the first ended (only
 * what finished since matters), under the same check.
 *
 * <p>A prompt found in history or the queue is placed as the one-by-one lookup would place it. A prompt
 * in neither is gone only when both reads were complete and the queue answered; otherwise, and whenever
 * a read failed, ran past its byte budget or the deadline, {@link #locate} answers nothing and the job
 * is looked up alone. Only prompts sent before the first read began can be placed: one sent after the
 * queue was read and finished before the second read would look gone. A job's heartbeat is never older
 * than its prompt (every change of the job writes both), so a heartbeat before the read, with a margin
 * for the writers' clocks, is what is asked.
 */
final class ServerSnapshot {
    /** Entries per page: a few MB at most of ComfyUI's entries, and few calls for a full history (10,000 entries). */
    static final int PAGE = 64;
    /** How far the clocks of the functions that write heartbeats may be ahead of this one. */
    static final Duration CLOCK_MARGIN = Duration.ofSeconds(5);

    private final Instant readFrom;
    private final Map<String, HistoryEntry> before;
    private final QueueSnapshot queue;
    private final Map<String, HistoryEntry> after;
    private final boolean complete;
    private final long bytes;

    private ServerSnapshot(Instant readFrom, Map<String, HistoryEntry> before, QueueSnapshot queue, Map<String, HistoryEntry> after,
                           boolean complete, long bytes) {
        this.readFrom = readFrom;
        this.before = before;
        this.queue = queue;
        this.after = after;
        this.complete = complete;
        this.bytes = bytes;
    }

    /** A server's {@code GET /history?offset=..&max_items=..}, a page at a time. */
    interface HistoryPages {
        Reply<HistoryPage> page(int offset, int maxItems, long maxBytes);
    }

    /**
     * Reads the server's history, its queue and history again, within {@code budget} bytes of history
     * and before {@code deadline}.
     */
    static ServerSnapshot read(ComfyUiClient client, long budget, Instant deadline, Supplier<Instant> clock) {
        return read(client::historyPage, client::queue, PAGE, budget, deadline, clock);
    }

    static ServerSnapshot read(HistoryPages history, Supplier<Reply<QueueSnapshot>> queue, int pageSize, long budget, Instant deadline,
                               Supplier<Instant> clock) {
        if (pageSize < 2) {
            throw new IllegalArgumentException("a page holds the entry the one before ended with and at least one more");
        }
        Instant readFrom = clock.get();
        HistoryWalk walk = new HistoryWalk(history, pageSize, budget, deadline, clock);
        Map<String, HistoryEntry> before = new HashMap<>();
        boolean firstComplete = walk.toTheEnd(before);
        QueueSnapshot queued = queue.get() instanceof Reply.Ok<QueueSnapshot> ok ? ok.value() : null;
        Map<String, HistoryEntry> after = new HashMap<>();
        boolean complete = firstComplete && queued != null && walk.toTheEnd(after);
        return new ServerSnapshot(readFrom, before, queued, after, complete, walk.bytes);
    }

    /** Where the job's prompt is, when this read can tell; empty when the job must be looked up alone. */
    Optional<PromptLocation> locate(Job job) {
        if (!job.heartbeatAt().isBefore(readFrom.minus(CLOCK_MARGIN))) {
            return Optional.empty();
        }
        String prompt = job.promptId();
        HistoryEntry finished = before.get(prompt);
        if (finished != null) {
            return Optional.of(new PromptLocation(PromptLocation.Place.FINISHED, finished, null));
        }
        if (queue == null) {
            return Optional.empty();
        }
        switch (queue.find(prompt)) {
            case RUNNING:
                return Optional.of(new PromptLocation(PromptLocation.Place.RUNNING, null, null));
            case PENDING:
                return Optional.of(new PromptLocation(PromptLocation.Place.PENDING, null, null));
            default:
                break;
        }
        finished = after.get(prompt);
        if (finished != null) {
            return Optional.of(new PromptLocation(PromptLocation.Place.FINISHED, finished, null));
        }
        return complete ? Optional.of(new PromptLocation(PromptLocation.Place.ABSENT, null, null)) : Optional.empty();
    }

    Instant readFrom() {
        return readFrom;
    }

    /** The queue as read, when it answered: what is running and waiting on the server. */
    Optional<QueueSnapshot> queue() {
        return Optional.ofNullable(queue);
    }

    boolean complete() {
        return complete;
    }

    /** Bytes of history pages read. */
    long bytes() {
        return bytes;
    }

    /** One oldest-first walk over a server's history, page by page, each page anchored on the last entry of the one before. */
    private static final class HistoryWalk {
        private final HistoryPages history;
        private final int pageSize;
        private final long budget;
        private final Instant deadline;
        private final Supplier<Instant> clock;
        private long bytes;
        /** The last entry read and the offset it was at; null before the first entry. */
        private String anchor;
        private int anchorAt;
        private boolean broken;

        HistoryWalk(HistoryPages history, int pageSize, long budget, Instant deadline, Supplier<Instant> clock) {
            this.history = history;
            this.pageSize = pageSize;
            this.budget = budget;
            this.deadline = deadline;
            this.clock = clock;
        }

        /** Reads on to the newest entry; false when the walk cannot vouch that it skipped nothing. */
        boolean toTheEnd(Map<String, HistoryEntry> into) {
            while (!broken) {
                if (bytes >= budget || !clock.get().isBefore(deadline)) {
                    broken = true;
                    break;
                }
                int offset = anchor == null ? 0 : anchorAt;
                Reply<HistoryPage> reply = history.page(offset, pageSize, budget - bytes);
                if (!(reply instanceof Reply.Ok<HistoryPage> ok)) {
                    broken = true;
                    break;
                }
                HistoryPage page = ok.value();
                bytes += page.bytes();
                if (anchor != null && (page.promptIds().isEmpty() || !page.promptIds().get(0).equals(anchor))) {
                    broken = true;
                    break;
                }
                into.putAll(page.entries());
                if (!page.promptIds().isEmpty()) {
                    anchor = page.promptIds().get(page.promptIds().size() - 1);
                    anchorAt = offset + page.promptIds().size() - 1;
                }
                if (page.promptIds().size() < pageSize) {
                    return true;
                }
            }
            return false;
        }
    }
}
