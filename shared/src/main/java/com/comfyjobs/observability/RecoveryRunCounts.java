package com.comfyjobs.observability;

/** The counts of one recovery run that become metrics; what each count means is recovery's to say. */
public record RecoveryRunCounts(int scanned, int recovered, int resubmitted, int failed, int expired, int skipped,
        int unreadable, long durationMs) {
}
