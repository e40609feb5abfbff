package com.comfyjobs.simulator.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What tests ask about across restarts: which prompts were submitted, how often each was started and
 * how each queued copy of it ended (ComfyUI accepts the same prompt id twice, so a prompt id can have
 * several fates).
 */
public final class ExecutionLedger {
    private final List<String> submitted = new ArrayList<>();
    private final Map<String, Integer> started = new LinkedHashMap<>();
    private final Map<String, List<PromptFate>> fates = new LinkedHashMap<>();
    private long total;

    public synchronized void submitted(String promptId) {
        submitted.add(promptId);
    }

    synchronized void started(String promptId) {
        started.merge(promptId, 1, Integer::sum);
        total++;
    }

    synchronized void ended(String promptId, PromptFate fate) {
        fates.computeIfAbsent(promptId, id -> new ArrayList<>()).add(fate);
    }

    synchronized void endedAll(List<String> promptIds, PromptFate fate) {
        promptIds.forEach(id -> ended(id, fate));
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

    /** The fates of the prompt's queued copies that have ended, in order; empty while none has. */
    public synchronized List<PromptFate> fates(String promptId) {
        return List.copyOf(fates.getOrDefault(promptId, List.of()));
    }

    public synchronized Map<String, List<PromptFate>> allFates() {
        Map<String, List<PromptFate>> copy = new LinkedHashMap<>();
        fates.forEach((id, f) -> copy.put(id, List.copyOf(f)));
        return copy;
    }
}
