package com.comfyjobs.simulator.webhook;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Holds back progress and progress_state so that at most one of each per prompt leaves per window,
 * keeping the latest. A prompt's held event is released before that prompt's next other event, so
 * coalescing never moves a progress past its prompt's terminal event.
 */
final class Coalescer {
    private static final Set<String> COALESCED = Set.of("progress", "progress_state");
    private static final Set<String> TERMINAL = Set.of("execution_success", "execution_error", "execution_interrupted");

    private final Map<String, Map<String, Slot>> held = new HashMap<>();
    private long superseded;

    private static final class Slot {
        private long lastSentMillis;
        private Envelope pending;

        Slot(long lastSentMillis) {
            this.lastSentMillis = lastSentMillis;
        }
    }

    /** Passes {@code envelope} (and anything it releases) to {@code out}, or holds it back. */
    void accept(Envelope envelope, long windowMillis, long nowMillis, Consumer<Envelope> out) {
        if (windowMillis <= 0 || envelope.promptId() == null) {
            out.accept(envelope);
            return;
        }
        if (COALESCED.contains(envelope.type())) {
            Map<String, Slot> slots = held.computeIfAbsent(envelope.promptId(), id -> new HashMap<>());
            Slot slot = slots.get(envelope.type());
            if (slot != null && slot.pending != null) {
                superseded++;
            }
            if (slot != null && nowMillis < slot.lastSentMillis + windowMillis) {
                slot.pending = envelope;
                return;
            }
            slots.put(envelope.type(), new Slot(nowMillis));
            out.accept(envelope);
            return;
        }
        Map<String, Slot> slots = held.get(envelope.promptId());
        if (slots != null) {
            release(new ArrayList<>(slots.values()), nowMillis, out);
            if (TERMINAL.contains(envelope.type())) {
                held.remove(envelope.promptId());
            }
        }
        out.accept(envelope);
    }

    /** Releases held events whose window is over; returns when the next one is due, or -1. */
    long releaseDue(long windowMillis, long nowMillis, Consumer<Envelope> out) {
        List<Slot> due = new ArrayList<>();
        long next = -1;
        for (Iterator<Map<String, Slot>> prompts = held.values().iterator(); prompts.hasNext(); ) {
            Map<String, Slot> slots = prompts.next();
            for (Iterator<Slot> it = slots.values().iterator(); it.hasNext(); ) {
                Slot slot = it.next();
                long ends = slot.lastSentMillis + windowMillis;
                if (nowMillis >= ends && slot.pending == null) {
                    it.remove();
                } else if (nowMillis >= ends) {
                    due.add(slot);
                } else if (slot.pending != null) {
                    next = next < 0 ? ends : Math.min(next, ends);
                }
            }
            if (slots.isEmpty()) {
                prompts.remove();
            }
        }
        release(due, nowMillis, out);
        return next;
    }

    private static void release(List<Slot> slots, long nowMillis, Consumer<Envelope> out) {
        slots.stream().filter(slot -> slot.pending != null)
                .sorted(Comparator.comparingLong(slot -> slot.pending.sequence()))
                .forEach(slot -> {
                    out.accept(slot.pending);
                    slot.pending = null;
                    slot.lastSentMillis = nowMillis;
                });
    }

    boolean holdsAny() {
        return held.values().stream().flatMap(slots -> slots.values().stream()).anyMatch(slot -> slot.pending != null);
    }

    long superseded() {
        return superseded;
    }

    /** Forgets everything held; returns how many events that threw away. */
    int clear() {
        int dropped = (int) held.values().stream().flatMap(slots -> slots.values().stream())
                .filter(slot -> slot.pending != null).count();
        held.clear();
        return dropped;
    }
}
