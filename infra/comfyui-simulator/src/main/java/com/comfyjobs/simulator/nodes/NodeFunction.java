package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;

/** The body of a node class: what its FUNCTION does, given resolved inputs. */
@FunctionalInterface
public interface NodeFunction {
    NodeResult run(NodeRun run) throws ProcessingInterrupted, PyException;
}
