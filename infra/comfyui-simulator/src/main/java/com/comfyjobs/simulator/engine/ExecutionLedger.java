package com.comfyjobs.simulator.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What tests ask about across restarts: which prompts were submitted and how often each was started. */
public final class ExecutionLedger {
    private final List<String> submitted = new ArrayList<>();
    private final Map<String, Integer> started = new LinkedHashMap<>();
    private long total;

    public synchronized void submitted(String promptId) {
        submitted.add(promptId);
    }

    synchronized void started(String promptId) {
        started.merge(promptId, 1, Integer::sum);
        total++;
    }

    public synchronized int executionCount(String promptId) {
        return started.getOrDefault(promptId, 0);
    }

    public synchronized long totalExecutions() {
        return total;
    }

    public synchronized List<String> submittedPrompts() {
        return List.copyOf(submitted);
    }

    public synchronized Map<String, Integer> executions() {
        return new LinkedHashMap<>(started);
    }
}
