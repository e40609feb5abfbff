package com.comfyjobs.progress;

import com.comfyjobs.config.ConfigException;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks Standard Webhooks signatures (HMAC-SHA256 over {@code id.timestamp.body}, in the
 * webhook-id, webhook-timestamp and webhook-signature headers) with the standardwebhooks library: any of
 * several secrets may match (rotation), secrets may be written {@code whsec_<base64>} or as plain
 * base64 (Salad's sender keeps no prefix), and timestamps more than five minutes away from now are
 * refused (the library's tolerance).
 */
public final class WebhookVerifier {
    private final List<Webhook> verifiers = new ArrayList<>();

    /**
     * @param secrets  one or more secrets
     * @param variable the configuration variable they came from, named in errors
     */
    public WebhookVerifier(List<String> secrets, String variable) {
        for (String s : secrets) {
            String secret = s.trim();
            if (secret.isEmpty()) {
                continue;
            }
            String body = secret.startsWith("whsec_") ? secret.substring("whsec_".length()) : secret;
            byte[] key;
            try {
                key = java.util.Base64.getDecoder().decode(body);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(variable + " holds a secret that is neither whsec_<base64> nor base64");
            }
            if (key.length < 16) {
                throw new ConfigException(variable + " holds a secret shorter than 16 bytes; use 24 to 64 random bytes");
            }
            verifiers.add(new Webhook(key));
        }
        if (verifiers.isEmpty()) {
            throw new ConfigException(variable + " must hold at least one webhook secret");
        }
    }

    /** Secrets separated by spaces or commas, as one environment variable can carry them. */
    public static WebhookVerifier fromList(String secrets, String variable) {
        if (secrets == null) {
            throw new ConfigException(variable + " must hold at least one webhook secret");
        }
        return new WebhookVerifier(List.of(secrets.split("[\\s,]+")), variable);
    }

    /**
     * Verifies one delivery. Header names are matched case-insensitively (API Gateway lowercases them,
     * other senders do not).
     *
     * @return the delivery's webhook-id
     */
    public String verify(byte[] body, Map<String, String> headers) {
        Map<String, List<String>> h = new java.util.HashMap<>();
        headers.forEach((k, v) -> {
            if (k != null && v != null) {
                h.put(k.toLowerCase(Locale.ROOT), List.of(v));
            }
        });
        String id = first(h, "webhook-id");
        if (id == null || first(h, "webhook-timestamp") == null || first(h, "webhook-signature") == null) {
            throw new WebhookRejectedException("missing webhook-id, webhook-timestamp or webhook-signature header");
        }
        if (id.length() > 200) {
            throw new WebhookRejectedException("webhook-id is too long");
        }
        String payload;
        try {
            payload = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new WebhookRejectedException("body is not UTF-8, so its signature cannot match");
        }
        String lastReason = "no matching signature";
        for (Webhook w : verifiers) {
            try {
                w.verify(payload, h);
                return id;
            } catch (WebhookVerificationException e) {
                lastReason = e.getMessage();
            } catch (RuntimeException e) {
                lastReason = "unreadable signature headers";
            }
        }
        throw new WebhookRejectedException(describe(lastReason));
    }

    private static String describe(String libraryMessage) {
        String m = libraryMessage == null ? "" : libraryMessage.toLowerCase(Locale.ROOT);
        if (m.contains("too old") || m.contains("too new") || m.contains("timestamp")) {
            return "webhook-timestamp is missing, malformed or more than 5 minutes away from now";
        }
        return "no signature matches";
    }

    private static String first(Map<String, List<String>> h, String name) {
        List<String> v = h.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}
