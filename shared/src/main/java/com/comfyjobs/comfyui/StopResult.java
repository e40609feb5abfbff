package com.comfyjobs.comfyui;

/** What stopping a prompt found; {@code entry} says how it ended when it had {@link Outcome#FINISHED}. */
public record StopResult(Outcome outcome, HistoryEntry entry) {
    public enum Outcome {
        /** Neither queued nor running on any server asked: it will not run (again). */
        GONE,
        /** It was running: an interrupt was sent; ComfyUI confirms with execution_interrupted. */
        INTERRUPTED,
        /** It had finished already. */
        FINISHED,
        /** A server did not answer: nothing can be concluded. */
        UNKNOWN
    }
}
