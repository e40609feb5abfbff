package com.comfyjobs.comfyui;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where a prompt is on its ComfyUI server, asked the only safe way: history, then queue, then
 * history again. {@code /history/{id}} answers {} both for a prompt not finished yet and for one a
 * restart lost, so only the queue tells them apart. A prompt that finishes between the first two calls moves from the
 * queue to the history atomically, so asking history twice closes the gap in which it would be seen
 * in neither.
 */
public record PromptLocation(Place place, HistoryEntry entry, String reason) {
    public enum Place {
        /** In history: finished (success, error or interrupted) or at least recorded. */
        FINISHED,
        RUNNING,
        PENDING,
        /** In neither queue nor history: never arrived, or lost in a ComfyUI restart. */
        ABSENT,
        /** The server did not answer; nothing can be concluded. */
        UNAVAILABLE
    }

    public static PromptLocation find(ComfyUiClient client, String promptId) {
        return find(client, promptId, client::queue);
    }

    /**
     * As {@link #find(ComfyUiClient, String)} with a queue snapshot that may be a few seconds old (one
     * /queue answer shared by a batch of lookups on the same server). Still safe: a prompt that left
     * the queue since is caught by the second history call, and one that only looks pending gets
     * looked at again in the next sweep.
     */
    public static PromptLocation find(ComfyUiClient client, String promptId, Supplier<Reply<QueueSnapshot>> queueSnapshot) {
        Reply<Optional<HistoryEntry>> first = client.history(promptId);
        if (first instanceof Reply.Unavailable<Optional<HistoryEntry>> u) {
            return new PromptLocation(Place.UNAVAILABLE, null, u.reason());
        }
        Optional<HistoryEntry> done = first.orElse(Optional.empty());
        if (done.isPresent()) {
            return new PromptLocation(Place.FINISHED, done.get(), null);
        }
        Reply<QueueSnapshot> queue = queueSnapshot.get();
        if (queue instanceof Reply.Unavailable<QueueSnapshot> u) {
            return new PromptLocation(Place.UNAVAILABLE, null, u.reason());
        }
        QueueSnapshot.Place place = ((Reply.Ok<QueueSnapshot>) queue).value().find(promptId);
        if (place == QueueSnapshot.Place.RUNNING) {
            return new PromptLocation(Place.RUNNING, null, null);
        }
        if (place == QueueSnapshot.Place.PENDING) {
            return new PromptLocation(Place.PENDING, null, null);
        }
        Reply<Optional<HistoryEntry>> second = client.history(promptId);
        if (second instanceof Reply.Unavailable<Optional<HistoryEntry>> u) {
            return new PromptLocation(Place.UNAVAILABLE, null, u.reason());
        }
        Optional<HistoryEntry> late = second.orElse(Optional.empty());
        return late.map(e -> new PromptLocation(Place.FINISHED, e, null)).orElseGet(() -> new PromptLocation(Place.ABSENT, null, null));
    }

    public boolean isInComfyUi() {
        return place == Place.FINISHED || place == Place.RUNNING || place == Place.PENDING;
    }
}
