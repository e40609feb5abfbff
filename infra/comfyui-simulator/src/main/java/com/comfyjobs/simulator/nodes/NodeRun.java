package com.comfyjobs.simulator.nodes;

import java.util.Random;

/** What a running node can see and do: its inputs, simulated work and progress. */
public interface NodeRun {
    String promptId();

    String nodeId();

    /** A widget value as a JsonNode, or the upstream node's output object for a link; null when absent. */
    Object input(String name);

    /** Spends one non-sampler node's worth of time. */
    void work();

    /** Spends one sampler step, then reports {@code value/total} like ComfyUI's progress hook. */
    void step(int value, int total) throws ProcessingInterrupted;

    Random random();
}
