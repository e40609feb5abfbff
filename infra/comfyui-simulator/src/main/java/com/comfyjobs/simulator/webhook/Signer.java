package com.comfyjobs.simulator.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Standard Webhooks signing: v1,base64(HMAC-SHA256(key, "{id}.{timestamp}." + body)). */
public final class Signer {
    private static final String PREFIX = "whsec_";
    private static final char[] ID_ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();

    private final byte[] key;
    private final SecureRandom ids = new SecureRandom();

    public Signer(String secret) {
        this.key = decodeSecret(secret);
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

    /** A fresh webhook-id: "msg_" and 24 URL-safe random characters. */
    public String newMessageId() {
        StringBuilder id = new StringBuilder("msg_");
        for (int i = 0; i < 24; i++) {
            id.append(ID_ALPHABET[ids.nextInt(ID_ALPHABET.length)]);
        }
        return id.toString();
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
