package com.comfyjobs.comfyui;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes sure a prompt does no more GPU work: taken out of the queue where it waits, interrupted where
 * it runs. Used by cancel, expiry and cleanup, and for prompts of attempts that were superseded. A
 * prompt whose server is not known (it may have been sent before the answer was lost) is looked up
 * on every server of the pool.
 */
public final class PromptStopper {
    /** What stopping found. */
    public enum Outcome {
        /** Neither queued nor running on any server asked: it will not run (again). */
        GONE,
        /** It was running: an interrupt was sent; ComfyUI confirms with execution_interrupted. */
        INTERRUPTED,
        /** It had finished already; {@link Result#entry()} says how. */
        FINISHED,
        /** A server did not answer: nothing can be concluded. */
        UNKNOWN
    }

    public record Result(Outcome outcome, HistoryEntry entry) {
    }

    private final ComfyUiPool pool;

    public PromptStopper(ComfyUiPool pool) {
        this.pool = pool;
    }

    /** Stops {@code promptId} on {@code server}, or on every server of the pool when it is null. */
    public Result stop(String promptId, String server) {
        List<ComfyUiClient> where = new ArrayList<>();
        if (server != null) {
            where.add(pool.client(server));
        } else {
            for (URI u : pool.servers()) {
                where.add(pool.client(u.toString()));
            }
        }
        Result combined = new Result(Outcome.GONE, null);
        for (ComfyUiClient client : where) {
            Result r = stopOn(client, promptId);
            if (r.outcome().ordinal() > combined.outcome().ordinal()) {
                combined = r;
            }
        }
        return combined;
    }

    /**
     * Only for a prompt known to be running somewhere (its own events say so): one interrupt per
     * server, without looking it up first. ComfyUI interrupts only the prompt running under that id.
     */
    public void interruptEverywhere(String promptId) {
        for (URI u : pool.servers()) {
            pool.client(u.toString()).interrupt(promptId);
        }
    }

    private static Result stopOn(ComfyUiClient client, String promptId) {
        // a pending prompt is removed before it is looked for, so a lookup that sees it pending is a race
        // with its start, settled by a second look
        for (int round = 0; round < 2; round++) {
            client.deletePending(promptId);
            PromptLocation where = PromptLocation.find(client, promptId);
            switch (where.place()) {
                case ABSENT:
                    return new Result(Outcome.GONE, null);
                case RUNNING:
                    client.interrupt(promptId);
                    return new Result(Outcome.INTERRUPTED, null);
                case FINISHED:
                    return new Result(Outcome.FINISHED, where.entry());
                case UNAVAILABLE:
                    return new Result(Outcome.UNKNOWN, null);
                default:
                    break;
            }
        }
        return new Result(Outcome.UNKNOWN, null);
    }
}
