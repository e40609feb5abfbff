package com.comfyjobs.simulator.engine;

import com.comfyjobs.simulator.nodes.NodeCatalog;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * execution.PromptExecutor: what outlives one prompt (the output cache, the interrupt flag, the session)
 * around {@link PromptRun}, which executes a single prompt.
 */
public final class Executor {
    private final NodeCatalog catalog;
    private final EventSink sink;
    private final Generation generation;
    private final FaultState faults;
    private final Session session;
    private final Timing timing;
    private final Random random;
    private final OutputCache cache;
    private final AtomicBoolean interrupt = new AtomicBoolean();
    private long cacheGeneration = -1;

    public Executor(NodeCatalog catalog, EventSink sink, Generation generation, FaultState faults, Session session,
                    Timing timing, Random random) {
        this.catalog = catalog;
        this.sink = sink;
        this.generation = generation;
        this.faults = faults;
        this.session = session;
        this.timing = timing;
        this.random = random;
        this.cache = new OutputCache(catalog);
    }

    /** nodes.interrupt_processing(): the running prompt stops at its next node or sampler step. */
    public void interrupt() {
        interrupt.set(true);
    }

    /** The result of one prompt: its history fields and status, and the client its events went to. */
    public record Outcome(ObjectNode historyResult, ObjectNode status, String clientId) {
    }

    /** Runs one prompt; throws {@link Generation.Abandoned} when a restart or close ends it. */
    public Outcome execute(PromptQueue.Task task) {
        if (cacheGeneration != task.generation()) {
            cache.clear();
            cacheGeneration = task.generation();
        }
        interrupt.set(false);
        JsonNode client = task.item().extraData().get("client_id");
        String clientId = client == null || client.isNull() ? null : client.isTextual() ? client.textValue() : client.toString();
        session.clientId(clientId);
        PromptRun run = new PromptRun(task, clientId, catalog, cache, sink, generation, faults, session, timing, random,
                interrupt, faults.takeCrash());
        return run.execute();
    }
}
