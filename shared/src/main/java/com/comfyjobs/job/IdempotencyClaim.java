package com.comfyjobs.job;

import java.time.Duration;
import java.util.Objects;

/**
 * The caller's Idempotency-Key for a submission, the fingerprint of its payload and how long the
 * record lives. Stored with the job's admission in one atomic step (see {@link JobStore#create}).
 */
public record IdempotencyClaim(String key, String fingerprint, Duration ttl) {
    public IdempotencyClaim {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("idempotency ttl must be positive");
        }
    }
}
