package com.comfyjobs.simulator.engine;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** The fault knobs as the worker and the HTTP layer read them; the public face is {@code Faults}. */
public final class FaultState {
    private final AtomicBoolean crashNext = new AtomicBoolean();
    private final AtomicReference<NodeFailure> failure = new AtomicReference<>();
    private volatile boolean crashMidNode;
    private volatile boolean holdQueue;
    private volatile long slowResponseMillis;
    private volatile double serverErrorPercent;
    private volatile boolean view404;
    private volatile boolean view403;

    /** A failure to raise at the next node whose id or class_type is {@code target}. */
    public record NodeFailure(String target, String exceptionType, String message) {
    }

    public void crashNextPrompt() {
        crashNext.set(true);
    }

    public void cancelCrashNextPrompt() {
        crashNext.set(false);
    }

    public void crashMidNode(boolean enabled) {
        crashMidNode = enabled;
    }

    public boolean crashMidNode() {
        return crashMidNode;
    }

    public boolean crashNextPromptArmed() {
        return crashNext.get();
    }

    /** Whether the prompt starting now must crash; consumes a one-shot crashNextPrompt. */
    boolean takeCrash() {
        return crashNext.getAndSet(false) || crashMidNode;
    }

    public void failNode(NodeFailure nodeFailure) {
        failure.set(nodeFailure);
    }

    public Optional<NodeFailure> pendingFailure() {
        return Optional.ofNullable(failure.get());
    }

    /** Consumes the armed failure if it targets this node. */
    Optional<NodeFailure> takeFailure(String nodeId, String classType) {
        NodeFailure armed = failure.get();
        if (armed != null && (armed.target().equals(nodeId) || armed.target().equals(classType))
                && failure.compareAndSet(armed, null)) {
            return Optional.of(armed);
        }
        return Optional.empty();
    }

    public void holdQueue(boolean hold) {
        holdQueue = hold;
    }

    public boolean holdQueue() {
        return holdQueue;
    }

    public void slowResponseMillis(long millis) {
        slowResponseMillis = millis;
    }

    public long slowResponseMillis() {
        return slowResponseMillis;
    }

    public void serverErrorPercent(double percent) {
        serverErrorPercent = percent;
    }

    public double serverErrorPercent() {
        return serverErrorPercent;
    }

    public void view404(boolean enabled) {
        view404 = enabled;
    }

    public boolean view404() {
        return view404;
    }

    public void view403(boolean enabled) {
        view403 = enabled;
    }

    public boolean view403() {
        return view403;
    }
}
