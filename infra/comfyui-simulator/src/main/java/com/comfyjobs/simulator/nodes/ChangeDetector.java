package com.comfyjobs.simulator.nodes;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A node's IS_CHANGED: a fingerprint of what its inputs point at outside the graph (LoadImage: the
 * file's hash). It is part of the node's cache key, so editing the file re-runs the node.
 */
@FunctionalInterface
public interface ChangeDetector {
    String fingerprint(ObjectNode inputs);
}
