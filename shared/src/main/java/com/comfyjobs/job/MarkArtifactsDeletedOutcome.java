package com.comfyjobs.job;

/** How {@link JobStore#markArtifactsDeleted} went. */
public enum MarkArtifactsDeletedOutcome {
    /** The job is marked (now, or already before). */
    MARKED,
    /** The job has not ended: its files may still be written, so nothing is marked. */
    LIVE,
    NOT_FOUND
}
