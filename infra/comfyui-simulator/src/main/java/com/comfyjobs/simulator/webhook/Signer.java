package com.comfyjobs.simulator.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Standard Webhooks signing: v1,base64(HMAC-SHA256(key, "{id}.{timestamp}." + body)). */
public final class Signer {
    private static final String PREFIX = "whsec_";
    private static final char[] ID_ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();

    private final byte[] key;
    private final String idStem;
    private final AtomicLong deliveries = new AtomicLong();

    public Signer(String secret) {
        this.key = decodeSecret(secret);
        SecureRandom random = new SecureRandom();
        StringBuilder stem = new StringBuilder("msg_");
        for (int i = 0; i < 16; i++) {
            stem.append(ID_ALPHABET[random.nextInt(ID_ALPHABET.length)]);
        }
        this.idStem = stem.append('_').toString();
    }

    /** The HMAC key of "whsec_&lt;base64&gt;" or plain base64; rejects anything else. */
    public static byte[] decodeSecret(String secret) {
        String encoded = secret.startsWith(PREFIX) ? secret.substring(PREFIX.length()) : secret;
        byte[] key;
        try {
            key = Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("webhook secret must be \"whsec_\" followed by base64, or plain base64");
        }
        if (key.length == 0) {
            throw new IllegalArgumentException("webhook secret decodes to an empty key");
        }
        return key;
    }

    /**
     * A fresh webhook-id, as the bridge makes them: "msg_", 16 URL-safe random characters drawn once per
     * signer, "_" and the number of the delivery. A job's events then carry consecutive numbers under
     * one stem, which the receiver keeps as number ranges rather than one replay marker per event.
     */
    public String newMessageId() {
        return idStem + deliveries.incrementAndGet();
    }

    public String sign(String messageId, long timestampSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((messageId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JVM", e);
        }
    }
}
