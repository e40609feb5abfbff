package com.comfyjobs.simulator.engine;

/**
 * The simulated ComfyUI process's life. A restart (or close) starts a new generation: whatever the old
 * one was doing, sleeping or crashed, is abandoned and may emit nothing more.
 */
public final class Generation {
    private long current;
    private boolean closed;

    public synchronized long current() {
        return current;
    }

    public synchronized boolean isCurrent(long generation) {
        return !closed && current == generation;
    }

    public synchronized void advance() {
        current++;
        notifyAll();
    }

    public synchronized void close() {
        closed = true;
        current++;
        notifyAll();
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    /** Sleeps, or throws {@link Abandoned} as soon as {@code generation} is over. */
    public synchronized void sleep(long generation, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        long remaining = millis;
        while (isCurrent(generation) && remaining > 0) {
            waitFor(remaining);
            remaining = (deadline - System.nanoTime()) / 1_000_000L;
        }
        if (!isCurrent(generation)) {
            throw new Abandoned();
        }
    }

    /** Blocks until {@code generation} is over: a crashed worker waits here for the restart. */
    public synchronized void park(long generation) {
        while (isCurrent(generation)) {
            waitFor(0);
        }
        throw new Abandoned();
    }

    private void waitFor(long millis) {
        try {
            wait(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Abandoned();
        }
    }

    /** Unwinds work that belongs to a generation that is over. */
    public static final class Abandoned extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Abandoned() {
            super("the simulated ComfyUI restarted", null, false, false);
        }
    }
}
