package com.comfyjobs.job;

import java.time.Instant;

/** What an earlier request with the same Idempotency-Key recorded: its payload fingerprint and job. */
public record IdempotencyRecord(String key, String fingerprint, String jobId, Instant createdAt) {
}
