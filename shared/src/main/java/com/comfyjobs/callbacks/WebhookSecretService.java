package com.comfyjobs.callbacks;

import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.WebhookSecrets;
import com.comfyjobs.observability.JsonLog;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * GET and POST /webhook-secret, and the secrets a delivery is signed with. Each caller has a secret of
 * its own ({@code whsec_} and 32 random bytes in base64), made on first use (its first GET or its first
 * callback, whichever comes first), so one caller cannot sign, and so forge, another's callbacks. A
 * rotation makes a new one; for {@link #OVERLAP} after it, deliveries carry signatures by both, as
 * Standard Webhooks allows (space-separated {@code v1,...} entries), so a receiver can switch to the new
 * secret at its own pace. The store keeps them sealed ({@link SecretBox}).
 */
public final class WebhookSecretService {
    public static final Duration OVERLAP = Duration.ofHours(24);
    private static final String PREFIX = "whsec_";
    private static final int SECRET_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final JobStore store;
    private final SecretBox box;
    private final Clock clock;

    public WebhookSecretService(JobStore store, SecretBox box, Clock clock) {
        this.store = store;
        this.box = box;
        this.clock = clock;
    }

    /** The caller's secret, made now if it has none. */
    public WebhookSecret current(String userId) {
        return shown(userId, stored(userId));
    }

    /** A new secret for the caller; the one it replaces keeps signing for {@link #OVERLAP}. */
    public WebhookSecret rotate(String userId) {
        Instant now = clock.instant();
        WebhookSecrets after = store.rotateWebhookSecret(userId, box.seal(userId, newSecret()), now, Long.toUnsignedString(RANDOM.nextLong(), 36));
        return shown(userId, after);
    }

    /**
     * The secrets a delivery to the caller is signed with, now: the current one (made now if the caller
     * has none) and the previous one while its overlap lasts. A previous secret that does not open is
     * left out, logged: a receiver that still uses it retries into the new one.
     */
    List<String> signing(String userId) {
        WebhookSecrets s = stored(userId);
        List<String> out = new ArrayList<>(List.of(box.open(userId, s.current())));
        if (s.previous() != null && clock.instant().isBefore(s.rotatedAt().plus(OVERLAP))) {
            try {
                out.add(box.open(userId, s.previous()));
            } catch (UnreadableSecretException e) {
                JsonLog.warn("a caller's previous signing secret does not open; deliveries carry the current one only", "reason",
                        e.getMessage());
            }
        }
        return out;
    }

    private WebhookSecrets stored(String userId) {
        Optional<WebhookSecrets> found = store.findWebhookSecrets(userId);
        return found.orElseGet(() -> store.createWebhookSecret(userId, box.seal(userId, newSecret())));
    }

    private WebhookSecret shown(String userId, WebhookSecrets s) {
        Instant previousUntil = null;
        if (s.previous() != null && clock.instant().isBefore(s.rotatedAt().plus(OVERLAP))) {
            previousUntil = s.rotatedAt().plus(OVERLAP);
        }
        return new WebhookSecret(box.open(userId, s.current()), previousUntil);
    }

    private static String newSecret() {
        byte[] key = new byte[SECRET_BYTES];
        RANDOM.nextBytes(key);
        return PREFIX + Base64.getEncoder().encodeToString(key);
    }
}
