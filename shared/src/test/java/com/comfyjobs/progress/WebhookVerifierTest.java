package com.comfyjobs.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import com.standardwebhooks.Webhook;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Signatures made by the standardwebhooks library itself, checked by our verifier. */
class WebhookVerifierTest {
    private static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));
    private static final String OTHER = "whsec_" + Base64.getEncoder().encodeToString("fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.UTF_8));
    private static final String BODY = "{\"event\":\"comfy.progress\",\"data\":{\"type\":\"progress\",\"data\":{\"value\":1,\"max\":2}}}";

    private static Map<String, String> signed(String secret, String id, long ts, String body) throws Exception {
        return Map.of("webhook-id", id, "webhook-timestamp", Long.toString(ts),
                "webhook-signature", new Webhook(secret).sign(id, ts, body));
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }

    @Test
    void acceptsAValidSignatureAndReturnsTheId() throws Exception {
        WebhookVerifier v = WebhookVerifier.fromList(SECRET, "WEBHOOK_SECRET");
        assertEquals("msg_1", v.verify(BODY.getBytes(StandardCharsets.UTF_8), signed(SECRET, "msg_1", now(), BODY)));
    }

    @Test
    void headerNamesAreCaseInsensitive() throws Exception {
        Map<String, String> h = signed(SECRET, "msg_1", now(), BODY);
        Map<String, String> upper = Map.of("Webhook-Id", h.get("webhook-id"), "Webhook-Timestamp", h.get("webhook-timestamp"),
                "WEBHOOK-SIGNATURE", h.get("webhook-signature"));
        assertEquals("msg_1", WebhookVerifier.fromList(SECRET, "X").verify(BODY.getBytes(StandardCharsets.UTF_8), upper));
    }

    @Test
    void rejectsAnotherSecretATamperedBodyOrAChangedId() throws Exception {
        WebhookVerifier v = WebhookVerifier.fromList(SECRET, "X");
        assertThrows(WebhookRejectedException.class, () -> v.verify(BODY.getBytes(StandardCharsets.UTF_8), signed(OTHER, "msg_1", now(), BODY)));
        assertThrows(WebhookRejectedException.class, () -> v.verify((BODY + " ").getBytes(StandardCharsets.UTF_8), signed(SECRET, "msg_1", now(), BODY)));
        Map<String, String> h = new java.util.HashMap<>(signed(SECRET, "msg_1", now(), BODY));
        h.put("webhook-id", "msg_2");
        assertThrows(WebhookRejectedException.class, () -> v.verify(BODY.getBytes(StandardCharsets.UTF_8), h));
    }

    @Test
    void rejectsStaleAndFutureTimestamps() throws Exception {
        WebhookVerifier v = WebhookVerifier.fromList(SECRET, "X");
        WebhookRejectedException old = assertThrows(WebhookRejectedException.class,
                () -> v.verify(BODY.getBytes(StandardCharsets.UTF_8), signed(SECRET, "m", now() - 6 * 60, BODY)));
        assertTrue(old.getMessage().contains("timestamp"), old.getMessage());
        assertThrows(WebhookRejectedException.class, () -> v.verify(BODY.getBytes(StandardCharsets.UTF_8), signed(SECRET, "m", now() + 6 * 60, BODY)));
        assertEquals("m", v.verify(BODY.getBytes(StandardCharsets.UTF_8), signed(SECRET, "m", now() - 4 * 60, BODY)));
    }

    @Test
    void anyOfSeveralSecretsAndSeveralSignaturesWorks() throws Exception {
        WebhookVerifier rotating = WebhookVerifier.fromList(OTHER + " " + SECRET, "X");
        assertEquals("m", rotating.verify(BODY.getBytes(StandardCharsets.UTF_8), signed(SECRET, "m", now(), BODY)));
        Map<String, String> two = new java.util.HashMap<>(signed(SECRET, "m", now(), BODY));
        String otherSig = new Webhook(OTHER).sign("m", Long.parseLong(two.get("webhook-timestamp")), BODY);
        two.put("webhook-signature", otherSig + " " + two.get("webhook-signature"));
        assertEquals("m", WebhookVerifier.fromList(SECRET, "X").verify(BODY.getBytes(StandardCharsets.UTF_8), two));
    }

    @Test
    void plainBase64SecretsAsSaladSendsThem() throws Exception {
        String plain = SECRET.substring("whsec_".length());
        WebhookVerifier v = WebhookVerifier.fromList(plain, "X");
        assertEquals("m", v.verify(BODY.getBytes(StandardCharsets.UTF_8), signed(SECRET, "m", now(), BODY)));
    }

    @Test
    void missingHeadersGarbageAndNonUtf8AreRejected() throws Exception {
        WebhookVerifier v = WebhookVerifier.fromList(SECRET, "X");
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        assertThrows(WebhookRejectedException.class, () -> v.verify(body, Map.of()));
        assertThrows(WebhookRejectedException.class, () -> v.verify(body, Map.of("webhook-id", "m", "webhook-timestamp", "x", "webhook-signature", "v1,abc")));
        assertThrows(WebhookRejectedException.class, () -> v.verify(body, Map.of("webhook-id", "m", "webhook-timestamp", "" + now(), "webhook-signature", "garbage")));
        assertThrows(WebhookRejectedException.class, () -> v.verify(body, Map.of("webhook-id", "m".repeat(201), "webhook-timestamp", "" + now(), "webhook-signature", "v1,x")));
        assertThrows(WebhookRejectedException.class, () -> v.verify(new byte[] {(byte) 0xff, (byte) 0xfe}, signed(SECRET, "m", now(), "x")));
    }

    @Test
    void badSecretsFailAtStartNamingTheVariable() {
        ConfigException e = assertThrows(ConfigException.class, () -> WebhookVerifier.fromList("whsec_%%%", "WEBHOOK_SECRET"));
        assertTrue(e.getMessage().startsWith("WEBHOOK_SECRET"));
        assertThrows(ConfigException.class, () -> WebhookVerifier.fromList("whsec_YWJj", "WEBHOOK_SECRET"));
        assertThrows(ConfigException.class, () -> WebhookVerifier.fromList(" ", "WEBHOOK_SECRET"));
        assertThrows(ConfigException.class, () -> WebhookVerifier.fromList(null, "WEBHOOK_SECRET"));
    }

    @Test
    void aSecretTakenOutOfTheListStopsVerifyingOnceTheNewListIsRead() throws Exception {
        AtomicReference<String> secrets = new AtomicReference<>(OTHER + " " + SECRET);
        WebhookVerifier v = new WebhookVerifier(secrets::get, "WEBHOOK_SECRET_ARN");
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        assertEquals("old", v.verify(body, signed(OTHER, "old", now(), BODY)));
        secrets.set(SECRET);
        assertThrows(WebhookRejectedException.class, () -> v.verify(body, signed(OTHER, "old", now(), BODY)));
        assertEquals("new", v.verify(body, signed(SECRET, "new", now(), BODY)));
    }

    @Test
    void aSecretRotatedToSomethingMalformedIsAConfigurationErrorNotARejection() throws Exception {
        AtomicReference<String> secrets = new AtomicReference<>(SECRET);
        WebhookVerifier v = new WebhookVerifier(secrets::get, "WEBHOOK_SECRET_ARN");
        secrets.set("whsec_%%%");
        ConfigException e = assertThrows(ConfigException.class,
                () -> v.verify(BODY.getBytes(StandardCharsets.UTF_8), signed(SECRET, "m", now(), BODY)));
        assertTrue(e.getMessage().startsWith("WEBHOOK_SECRET_ARN"), e.getMessage());
    }
}
