package com.comfyjobs.simulator.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * PromptServer.send_sync: one event for the WebSocket of {@code sid} (null: every socket) and for the
 * webhook. Events of a generation that is over are dropped.
 */
@FunctionalInterface
public interface EventSink {
    void send(long generation, String type, ObjectNode data, String sid);
}
