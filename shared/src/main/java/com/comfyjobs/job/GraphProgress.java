package com.comfyjobs.job;

import java.util.Collection;
import java.util.Set;

/**
 * Whole-job progress the way ComfyUI's own progress reporting counts it: (finished nodes + value/max
 * of the running node's sampler) / nodes to run, where cached nodes (execution_cached) do not count.
 * transition.lua computes the same formula; the store contract tests hold the two together.
 */
public final class GraphProgress {
    private GraphProgress() {
    }

    public static double fraction(int nodeCount, Set<String> cached, Collection<String> finished,
                                  String runningNode, int value, int max) {
        int toRun = Math.max(1, nodeCount - cached.size());
        double done = 0;
        for (String n : finished) {
            if (!cached.contains(n)) {
                done++;
            }
        }
        if (runningNode != null && max > 0 && !finished.contains(runningNode) && !cached.contains(runningNode)) {
            done += Math.min(value, max) / (double) max;
        }
        return Math.min(1.0, done / toRun);
    }
}
