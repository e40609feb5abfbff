package com.comfyjobs.callbacks;

import java.time.Instant;
import java.util.Objects;

/**
 * A caller's callback signing secret as the caller is given it ({@code whsec_<base64>}), and, for a
 * day after a rotation, until when deliveries are also signed with the one before it.
 */
public record WebhookSecret(String secret, Instant previousValidUntil) {
    public WebhookSecret {
        Objects.requireNonNull(secret, "secret");
    }
}
