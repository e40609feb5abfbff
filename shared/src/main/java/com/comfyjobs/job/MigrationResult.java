package com.comfyjobs.job;

/**
 * What one run of {@link JobStore#migrate} did: whether the stored data is now entirely in the layout
 * this code writes, how many keys it moved, and what is left to do when it is not done.
 */
public record MigrationResult(boolean complete, long keysMoved, String detail) {
}
