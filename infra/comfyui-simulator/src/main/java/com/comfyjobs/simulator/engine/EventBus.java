package com.comfyjobs.simulator.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The one ordered path for send_sync events (ComfyUI's messages queue): every listener sees all events
 * in the same order, and once a generation is over none of its events get out.
 */
public final class EventBus implements EventSink {
    private final Generation generation;
    private final List<EventListener> listeners = new CopyOnWriteArrayList<>();

    public EventBus(Generation generation) {
        this.generation = generation;
    }

    public void addListener(EventListener listener) {
        listeners.add(listener);
    }

    @Override
    public synchronized void send(long eventGeneration, String type, ObjectNode data, String sid) {
        if (!generation.isCurrent(eventGeneration)) {
            return;
        }
        for (EventListener listener : listeners) {
            listener.event(type, data, sid);
        }
    }

    /** Sends in the current generation (queue status updates come from HTTP threads). */
    public void send(String type, ObjectNode data, String sid) {
        send(generation.current(), type, data, sid);
    }

    /** Ends the current generation; no event of it is delivered after this returns. */
    public synchronized void advanceGeneration() {
        generation.advance();
    }

    /** Ends the last generation for good: nothing more is delivered. */
    public synchronized void close() {
        generation.close();
    }
}
