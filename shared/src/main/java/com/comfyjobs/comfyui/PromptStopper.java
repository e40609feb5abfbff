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
    private final ComfyUiPool pool;

    public PromptStopper(ComfyUiPool pool) {
        this.pool = pool;
    }

    /** Stops {@code promptId} on {@code server}, or on every server of the pool when it is null. */
    public StopResult stop(String promptId, String server) {
        List<ComfyUiClient> where = new ArrayList<>();
        if (server != null) {
            where.add(pool.client(server));
        } else {
            for (URI u : pool.servers()) {
                where.add(pool.client(u.toString()));
            }
        }
        StopResult combined = new StopResult(StopResult.Outcome.GONE, null);
        for (ComfyUiClient client : where) {
            StopResult r = stopOn(client, promptId);
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

    private static StopResult stopOn(ComfyUiClient client, String promptId) {
        // a pending prompt is removed before it is looked for, so a lookup that sees it pending is a race
        // with its start, settled by a second look
        for (int round = 0; round < 2; round++) {
            client.deletePending(promptId);
            PromptLocation where = PromptLocation.find(client, promptId);
            switch (where.place()) {
                case ABSENT:
                    return new StopResult(StopResult.Outcome.GONE, null);
                case RUNNING:
                    client.interrupt(promptId);
                    return new StopResult(StopResult.Outcome.INTERRUPTED, null);
                case FINISHED:
                    return new StopResult(StopResult.Outcome.FINISHED, where.entry());
                case UNAVAILABLE:
                    return new StopResult(StopResult.Outcome.UNKNOWN, null);
                default:
                    break;
            }
        }
        return new StopResult(StopResult.Outcome.UNKNOWN, null);
    }
}
