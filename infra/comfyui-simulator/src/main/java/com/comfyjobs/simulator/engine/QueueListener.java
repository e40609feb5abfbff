package com.comfyjobs.simulator.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Told, under the queue's lock, whenever ComfyUI would call queue_updated (it broadcasts a status). */
@FunctionalInterface
public interface QueueListener {
    void queueUpdated(ObjectNode queueInfo);
}
