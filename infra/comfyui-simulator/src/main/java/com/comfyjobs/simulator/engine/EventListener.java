package com.comfyjobs.simulator.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A destination of send_sync events: the WebSocket hub, the webhook sender. */
public interface EventListener {
    void event(String type, ObjectNode data, String sid);
}
