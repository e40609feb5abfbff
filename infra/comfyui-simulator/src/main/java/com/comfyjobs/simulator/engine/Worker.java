package com.comfyjobs.simulator.engine;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * main.prompt_worker: takes prompts off the queue one at a time, runs them, files them in history and
 * sends the closing executing {node: null}. A restart abandons whatever it was doing.
 */
public final class Worker implements Runnable {
    private final PromptQueue queue;
    private final Executor executor;
    private final EventSink sink;
    private final Generation generation;
    private final FaultState faults;
    private final ExecutionLedger ledger;
    private volatile boolean busy;

    public Worker(PromptQueue queue, Executor executor, EventSink sink, Generation generation, FaultState faults,
                  ExecutionLedger ledger) {
        this.queue = queue;
        this.executor = executor;
        this.sink = sink;
        this.generation = generation;
        this.faults = faults;
        this.ledger = ledger;
    }

    @Override
    public void run() {
        while (!generation.isClosed()) {
            PromptQueue.Task task;
            try {
                task = queue.take(generation.current(), faults::holdQueue);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (task != null) {
                busy = true;
                try {
                    runTask(task);
                } finally {
                    busy = false;
                }
            }
        }
    }

    /** True from taking a prompt until its closing event is sent. */
    public boolean isBusy() {
        return busy;
    }

    private void runTask(PromptQueue.Task task) {
        String promptId = task.item().promptId();
        ledger.started(promptId);
        try {
            Executor.Outcome outcome = executor.execute(task);
            queue.taskDone(task, outcome.historyResult(), outcome.status());
            ledger.ended(promptId, fate(outcome));
            if (outcome.clientId() != null) {
                ObjectNode data = Json.object();
                data.putNull("node");
                data.put("prompt_id", promptId);
                sink.send(task.generation(), "executing", data, outcome.clientId());
            }
        } catch (Generation.Abandoned abandoned) {
            // The simulated process restarted or closed: this prompt vanished with it, as in ComfyUI
            // (the restart recorded it as lost).
        }
    }

    private static PromptFate fate(Executor.Outcome outcome) {
        if (outcome.status().path("completed").asBoolean()) {
            return PromptFate.COMPLETED;
        }
        for (var message : outcome.status().path("messages")) {
            if ("execution_interrupted".equals(message.path(0).asText())) {
                return PromptFate.INTERRUPTED;
            }
        }
        return PromptFate.FAILED;
    }
}
