package com.comfyjobs.progress;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookSigningException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

/**
 * What {@link WebhookService} does to a delivery before it reads or writes any job, on a synthetic
 * one: for SnapStart priming. A progress event about {@code jobId} is signed with a throwaway secret,
 * verified against it and read as an envelope. The service itself is not called: it would record the
 * delivery's id, and a delivery signed with anything but the real secret would count and log as a
 * rejection.
 */
public final class WebhookRehearsal {
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebhookRehearsal() {
    }

    /** @return how many events the synthetic delivery held (one) */
    public static int run(String jobId) {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        String secret = "whsec_" + Base64.getEncoder().encodeToString(key);
        String id = "msg_snapstart_priming";
        long timestamp = Instant.now().getEpochSecond();
        String body = "{\"event\":\"comfy.progress\",\"data\":{\"type\":\"progress\",\"data\":{\"value\":1,\"max\":20,"
                + "\"prompt_id\":\"" + jobId + "_1\",\"node\":\"3\"}}}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try {
            Map<String, String> headers = Map.of("webhook-id", id, "webhook-timestamp", Long.toString(timestamp),
                    "webhook-signature", new Webhook(secret).sign(id, timestamp, body));
            return WebhookEnvelopes.parse(bytes, WebhookVerifier.fromList(secret, "SNAPSTART_PRIMING").verify(bytes, headers)).size();
        } catch (WebhookSigningException e) {
            throw new IllegalStateException("HMAC-SHA256 is part of every JRE", e);
        }
    }
}
