package com.comfyjobs.job;

/** What recording a delivery's try did. */
public enum RecordCallbackOutcome {
    /** The try was the job's waiting delivery: its state is written. */
    RECORDED,
    /** A newer delivery replaced it while it was sent (or the job's end dropped it): only the claim is released. */
    SUPERSEDED,
    /** The sender's claim ran out and another sender took the delivery: that one records it. */
    LEASE_LOST,
    NOT_FOUND
}
