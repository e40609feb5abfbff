package com.comfyjobs.job;

/** What a guarded transition did. Everything but {@link #APPLIED} means nothing was changed. */
public enum TransitionOutcome {
    /** The guards held and the changes were written (a lower progress is kept, not an error). */
    APPLIED,
    /** The event id was seen before: the event was already applied (or judged) once. */
    DUPLICATE_EVENT,
    NOT_FOUND,
    /** The job has moved on to another attempt; the event belongs to a superseded one. */
    WRONG_ATTEMPT,
    /** The current status is not one the transition accepts (terminal jobs never change). */
    STATUS_CONFLICT,
    /** Another worker holds the job's lease. */
    LEASE_HELD,
    /** The caller's lease expired or was taken over by another worker: its write is refused. */
    LEASE_LOST,
    /** The job changed after the caller read it (see {@code expectUnchangedSince}). */
    CHANGED
}
