package com.comfyjobs.job;

import java.util.List;

/**
 * What one ComfyUI event says about the graph's execution, in domain terms. The stores merge it into
 * the job's cached and finished node sets and recompute the progress fraction with
 * {@link GraphProgress}; merging sets makes repeated and reordered events harmless.
 *
 * @param cached    nodes ComfyUI will not run (execution_cached)
 * @param finished  nodes known to be done (executed, or progress_state with state finished)
 * @param executing the node that starts now, which also means the previous current node is done;
 *                  {@link #END} when ComfyUI signals the end of the graph ({@code executing} with null)
 * @param running   the node whose sampler reported {@code value} of {@code max} steps
 */
public record GraphUpdate(List<String> cached, List<String> finished, String executing, String running, int value, int max) {
    /**
     * Stands for {@code executing: {node: null}}, which marks the end of the graph. Node ids are never
     * empty ({@link Workflow} rejects them), so the empty string cannot clash with one.
     */
    public static final String END = "";

    public GraphUpdate {
        cached = cached == null ? List.of() : List.copyOf(cached);
        finished = finished == null ? List.of() : List.copyOf(finished);
    }

    public static GraphUpdate cached(List<String> nodes) {
        return new GraphUpdate(nodes, null, null, null, 0, 0);
    }

    public static GraphUpdate finished(List<String> nodes) {
        return new GraphUpdate(null, nodes, null, null, 0, 0);
    }

    public static GraphUpdate executing(String node) {
        return new GraphUpdate(null, null, node == null ? END : node, null, 0, 0);
    }

    public static GraphUpdate running(String node, int value, int max) {
        return new GraphUpdate(null, null, null, node, value, max);
    }
}
