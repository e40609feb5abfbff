package com.comfyjobs.simulator;

import com.comfyjobs.simulator.engine.FaultState;
import com.comfyjobs.simulator.engine.PromptQueue;
import java.time.Duration;

/**
 * The simulator's fault switches. Every one is also reachable over HTTP at POST /_sim/faults (see the
 * module README). Knobs stay as set across {@link #restart()}.
 */
public final class Faults {
    private final ComfyUiSimulator simulator;
    private final FaultState state;
    private final PromptQueue queue;

    Faults(ComfyUiSimulator simulator, FaultState state, PromptQueue queue) {
        this.simulator = simulator;
        this.state = state;
        this.queue = queue;
    }

    /**
     * Restarts the simulated ComfyUI: the queue, the running prompt (which sends nothing more), the
     * history, the node cache and the WebSocket clients are gone, unsent webhooks too. Files stay.
     */
    public void restart() {
        simulator.restart();
    }

    /** While on, every prompt that starts stops mid-node forever: no terminal event, still "running". */
    public void crashMidNode(boolean enabled) {
        state.crashMidNode(enabled);
    }

    /**
     * The next prompt to start stops mid-node (halfway through its first sampler, else at its first
     * output node) and stays in queue_running until {@link #restart()}. The worker is stuck with it.
     */
    public void crashNextPrompt() {
        state.crashNextPrompt();
    }

    /** Delays every API answer (not the /_sim/ routes) by {@code delay}; zero turns it off. */
    public void slowResponses(Duration delay) {
        state.slowResponseMillis(Math.max(0, delay.toMillis()));
    }

    /** Every API route answers aiohttp's 500 without doing anything. */
    public void serverErrors(boolean enabled) {
        state.serverErrorPercent(enabled ? 100 : 0);
    }

    /** This percentage of API requests answer 500 (drawn from the seeded random). */
    public void serverErrorPercent(double percent) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("percent must be within 0..100");
        }
        state.serverErrorPercent(percent);
    }

    /** Closes the listening socket and every open connection: connects are refused until {@link #startListening()}. */
    public void stopListening() {
        simulator.stopListening();
    }

    /** Listens again, on the same port. */
    public void startListening() {
        simulator.startListening();
    }

    /** GET /view answers 404 for every file. */
    public void view404(boolean enabled) {
        state.view404(enabled);
    }

    /** GET /view answers 403 for every file, as ComfyUI does for a subfolder outside its folders. */
    public void view403(boolean enabled) {
        state.view403(enabled);
    }

    /** Forgets one history entry, as ComfyUI's history cap would. */
    public void evictHistory(String promptId) {
        queue.deleteHistory(promptId);
    }

    public void evictAllHistory() {
        queue.wipeHistory();
    }

    /**
     * The next node to run whose id or class_type is {@code classTypeOrNodeId} raises, giving an
     * execution_error (a CUDA out-of-memory error, ComfyUI's most common one).
     */
    public void failNode(String classTypeOrNodeId) {
        failNode(classTypeOrNodeId, null, null);
    }

    /** Like {@link #failNode(String)} with the Python exception type (e.g. "RuntimeError") and message. */
    public void failNode(String classTypeOrNodeId, String exceptionType, String message) {
        state.failNode(new FaultState.NodeFailure(classTypeOrNodeId, exceptionType, message));
    }

    /** While on, the worker starts no new prompt: everything submitted stays pending. */
    public void holdQueue(boolean hold) {
        state.holdQueue(hold);
        queue.wake();
    }

    /** Turns every knob off (and listens again if it had stopped). */
    public void clear() {
        state.crashMidNode(false);
        state.cancelCrashNextPrompt();
        state.failNode(null);
        state.slowResponseMillis(0);
        state.serverErrorPercent(0);
        state.view404(false);
        state.view403(false);
        holdQueue(false);
        if (!simulator.isListening()) {
            startListening();
        }
    }
}
