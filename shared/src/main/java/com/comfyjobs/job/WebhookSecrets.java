package com.comfyjobs.job;

import java.time.Instant;
import java.util.Objects;

/**
 * A caller's callback signing secrets as the store keeps them: sealed (encrypted by the service, so
 * the store never holds one in the clear), the current one and, after a rotation, the one before it
 * with the time it was replaced.
 */
public record WebhookSecrets(String current, String previous, Instant rotatedAt) {
    public WebhookSecrets {
        Objects.requireNonNull(current, "current");
        if ((previous == null) != (rotatedAt == null)) {
            throw new IllegalArgumentException("a previous secret comes with the time it was replaced");
        }
    }
}
