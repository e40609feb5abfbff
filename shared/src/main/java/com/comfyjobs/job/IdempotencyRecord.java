package com.comfyjobs.job;

import java.time.Instant;

/**
 * What an earlier request with the same Idempotency-Key recorded: its payload fingerprint and job, and
 * whether that job was stored (a record without {@code jobStored} belongs to a request that may have
 * died between admitting the job and writing it).
 */
public record IdempotencyRecord(String key, String fingerprint, String jobId, Instant createdAt, boolean jobStored) {
}
