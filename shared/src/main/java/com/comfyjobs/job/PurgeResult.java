package com.comfyjobs.job;

/** What one cleanup pass over a shard removed: terminal jobs past retention and dangling index entries. */
public record PurgeResult(int purgedJobs, int prunedIndexEntries) {
    public PurgeResult plus(PurgeResult other) {
        return new PurgeResult(purgedJobs + other.purgedJobs, prunedIndexEntries + other.prunedIndexEntries);
    }
}
