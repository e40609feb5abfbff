package com.comfyjobs.callbacks;

import java.util.Locale;

/** What one try of a claimed callback came to. */
public enum SendOutcome {
    /** Answered 2xx. */
    DELIVERED,
    /** Refused, failed or answered otherwise: tried again at the schedule's next time. */
    RETRIED,
    /** As RETRIED, but it was the schedule's last try: given up. */
    FAILED,
    /** Answered 410 Gone: this and every later callback of the job are dropped. */
    STOPPED,
    /** Sent, but a newer delivery replaced it meanwhile (or the job ended and dropped a progress): nothing to record. */
    SUPERSEDED,
    /** Not sent: this service failed before sending (state store, secrets). The claim runs out and it is tried again. */
    UNSENT;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
