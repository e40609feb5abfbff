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
import java.util.function.Supplier;

/**
 * Checks Standard Webhooks signatures (HMAC-SHA256 over {@code id.timestamp.body}, in the
 * webhook-id, webhook-timestamp and webhook-signature headers) with the standardwebhooks library: any of
 * several secrets may match (rotation), secrets may be written {@code whsec_<base64>} or as plain
 * base64 (Salad's sender keeps no prefix), and timestamps more than five minutes away from now are
 * refused (the library's tolerance).
 *
 * <p>The secrets are asked for on every delivery (from Secrets Manager they come through a cache
 * with a TTL), and parsed again only when their text changes: a secret taken out of the list stops
 * verifying as soon as the new list is read, in a container that has run for days.
 */
public final class WebhookVerifier {
    private final Supplier<String> secrets;
    private final String variable;
    private volatile Parsed parsed;

    /** The verifiers built from one text of the secrets. */
    private record Parsed(String text, List<Webhook> verifiers) {
    }

    /**
     * Reads and checks the secrets at once, so a malformed one fails at start.
     *
     * @param secrets  the secrets' current text: one or more, separated by spaces or commas
     * @param variable the configuration variable they come from, named in errors
     */
    public WebhookVerifier(Supplier<String> secrets, String variable) {
        this.secrets = secrets;
        this.variable = variable;
        current();
    }

    /** Secrets that never change, separated by spaces or commas, as one environment variable can carry them. */
    public static WebhookVerifier fromList(String secrets, String variable) {
        return new WebhookVerifier(() -> secrets, variable);
    }

    private List<Webhook> current() {
        String text = secrets.get();
        Parsed p = parsed;
        if (p != null && p.text().equals(text)) {
            return p.verifiers();
        }
        Parsed fresh = new Parsed(text, parse(text, variable));
        parsed = fresh;
        return fresh.verifiers();
    }

    private static List<Webhook> parse(String text, String variable) {
        if (text == null) {
            throw new ConfigException(variable + " must hold at least one webhook secret");
        }
        List<Webhook> verifiers = new ArrayList<>();
        for (String s : text.split("[\\s,]+")) {
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
        return List.copyOf(verifiers);
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
        for (Webhook w : current()) {
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
