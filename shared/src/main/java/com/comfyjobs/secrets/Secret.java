package com.comfyjobs.secrets;

import com.comfyjobs.observability.JsonLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One secret's current value: read from Secrets Manager and kept for a TTL, or fixed (a plain
 * variable, in local runs and tests). Whatever holds a secret for long (the webhook verifier, the
 * ComfyUI client's header, the PostHog client) asks {@link #get()} each time it needs the value, so
 * a rotated secret takes effect within the TTL in every warm container, without a new version.
 *
 * <p>When the TTL has passed, the next {@link #get()} reads the secret again. If that read fails
 * and a value was read before, the earlier value is kept, past its TTL (an outage of Secrets
 * Manager must not fail every request), with one warning per outage; the read is tried again
 * {@link #RETRY_AFTER_FAILURE} later at the most, so requests do not each wait for a Secrets Manager
 * that is down. With no earlier value (the container's first read, or the first after
 * {@link #invalidate()}), a failed read throws {@link SecretUnavailableException} naming the variable.
 *
 * <p>So a revoked secret stops working within the TTL only if it is revoked by giving the secret a
 * new value: a secret that was deleted, or that this function may no longer read, fails to read,
 * and the last value read stays in use until the container ends.
 */
public final class Secret implements Supplier<String> {
    /** How soon, at the most, a read that failed is tried again while the earlier value serves. */
    static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(30);

    private final String variable;
    private final String secretId;
    private final SecretsManagerReader reader;
    private final Duration ttl;
    private final Clock clock;
    private volatile Cached cached;

    /** A value and until when it is used without reading again; {@code stale} while reads fail. */
    private record Cached(String value, Instant until, boolean stale) {
    }

    Secret(String variable, String secretId, SecretsManagerReader reader, Duration ttl, Clock clock) {
        this.variable = Objects.requireNonNull(variable, "variable");
        this.secretId = Objects.requireNonNull(secretId, "secretId");
        this.reader = Objects.requireNonNull(reader, "reader");
        this.ttl = ttl;
        this.clock = clock;
    }

    private Secret(String variable, String value) {
        this.variable = variable;
        this.secretId = null;
        this.reader = null;
        this.ttl = null;
        this.clock = null;
        this.cached = new Cached(value, Instant.MAX, false);
    }

    /** A value that never changes, from a plain variable. */
    public static Secret fixed(String variable, String value) {
        return new Secret(Objects.requireNonNull(variable, "variable"), Objects.requireNonNull(value, "value"));
    }

    /** The variable the value comes from (the *_SECRET_ARN one, or the plain one), for error messages. */
    public String variable() {
        return variable;
    }

    /**
     * The current value.
     *
     * @throws SecretUnavailableException when the secret cannot be read and no earlier value is at hand
     */
    @Override
    public String get() {
        Cached c = cached;
        if (c != null && clock().isBefore(c.until())) {
            return c.value();
        }
        synchronized (this) {
            c = cached;
            Instant now = clock();
            if (c != null && now.isBefore(c.until())) {
                return c.value();
            }
            return read(c, now);
        }
    }

    private String read(Cached before, Instant now) {
        try {
            String value = reader.read(secretId, variable);
            if (before != null && before.stale()) {
                JsonLog.info("secret read again after a failed read", "variable", variable);
            }
            cached = new Cached(value, now.plus(ttl), false);
            return value;
        } catch (SecretUnavailableException e) {
            if (before == null) {
                throw e;
            }
            if (!before.stale()) {
                JsonLog.warn("secret could not be read again; the value read before stays in use past its TTL",
                        "variable", variable, "reason", e.getMessage());
            }
            Duration retry = ttl.compareTo(RETRY_AFTER_FAILURE) < 0 ? ttl : RETRY_AFTER_FAILURE;
            cached = new Cached(before.value(), now.plus(retry), true);
            return before.value();
        }
    }

    /**
     * Forgets the value read so far, so the next {@link #get()} reads the secret (after a SnapStart
     * restore, whose snapshot holds a value read when the version was published). A fixed value stays.
     */
    public void invalidate() {
        if (reader != null) {
            cached = null;
        }
    }

    private Instant clock() {
        return clock == null ? Instant.MIN : clock.instant();
    }

    @Override
    public String toString() {
        return "Secret[" + variable + "]";
    }
}
