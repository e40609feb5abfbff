package com.comfyjobs.job;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The job's lifecycle. This enum is the single owner of the transition rules: the in-memory store
 * asks it directly and the Redis scripts receive the allowed source states it computes, so the
 * rules cannot drift apart between stores.
 *
 * <pre>
 * queued -> running -> finalizing -> succeeded
 *    \         \            \
 *     +---------+------------+--> failed | expired
 *    \         \
 *     +---------+--> canceled
 * </pre>
 *
 * A finalizing job is not canceled: ComfyUI has finished it, and its outputs are being saved. Two
 * edges are not in the drawing. {@code queued -> finalizing}: ComfyUI can finish before any
 * start event reaches us (webhooks get lost). {@code queued|running|finalizing -> queued} with the
 * next attempt: a prompt lost in a ComfyUI restart, or finished but with its outputs forgotten before
 * they were copied, is resubmitted (see {@link #canRequeueFrom()}).
 */
public enum JobStatus {
    QUEUED,
    RUNNING,
    FINALIZING,
    SUCCEEDED,
    FAILED,
    CANCELED,
    EXPIRED;

    private static final Set<JobStatus> TERMINAL = Collections.unmodifiableSet(EnumSet.of(SUCCEEDED, FAILED, CANCELED, EXPIRED));
    private static final Set<JobStatus> LIVE = Collections.unmodifiableSet(EnumSet.of(QUEUED, RUNNING, FINALIZING));
    private static final Set<JobStatus> REQUEUE_SOURCES = Collections.unmodifiableSet(EnumSet.of(QUEUED, RUNNING, FINALIZING));

    private final String wire = name().toLowerCase(Locale.ROOT);

    /** The lowercase name used in JSON, in Redis and in the API. */
    public String wire() {
        return wire;
    }

    public boolean isTerminal() {
        return TERMINAL.contains(this);
    }

    public static Set<JobStatus> terminal() {
        return TERMINAL;
    }

    public static Set<JobStatus> live() {
        return LIVE;
    }

    /** States a job may move to from this one; staying in the same state is not a transition. */
    public Set<JobStatus> successors() {
        switch (this) {
            case QUEUED:
                return EnumSet.of(RUNNING, FINALIZING, FAILED, CANCELED, EXPIRED);
            case RUNNING:
                return EnumSet.of(FINALIZING, FAILED, CANCELED, EXPIRED);
            case FINALIZING:
                return EnumSet.of(SUCCEEDED, FAILED, EXPIRED);
            default:
                return EnumSet.noneOf(JobStatus.class);
        }
    }

    public boolean canMoveTo(JobStatus target) {
        return successors().contains(target);
    }

    /** Every state from which {@code target} is reachable in one step. */
    public static Set<JobStatus> sourcesOf(JobStatus target) {
        Set<JobStatus> sources = EnumSet.noneOf(JobStatus.class);
        for (JobStatus s : values()) {
            if (s.canMoveTo(target)) {
                sources.add(s);
            }
        }
        return sources;
    }

    /** States in which a lost prompt (or one whose outputs ComfyUI forgot) may be resubmitted as the next attempt. */
    public static Set<JobStatus> canRequeueFrom() {
        return REQUEUE_SOURCES;
    }

    /** A cancel request is honoured only before ComfyUI has finished the job. */
    public boolean isCancelable() {
        return this == QUEUED || this == RUNNING;
    }

    /**
     * Parses a wire name. Unknown names are an error, never a default: a status we do not know means
     * data written by a newer or broken writer, and guessing would corrupt the state machine.
     */
    public static JobStatus fromWire(String value) {
        if (value != null) {
            for (JobStatus s : values()) {
                if (s.wire.equals(value)) {
                    return s;
                }
            }
        }
        throw new IllegalArgumentException("unknown job status '" + value + "'");
    }
}
