package com.comfyjobs.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.Caller;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.Webhook;
import com.comfyjobs.outbound.UrlPolicy;
import com.comfyjobs.testing.ServiceHarness;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code webhook} of POST /jobs, under the deployed URL rules (ALLOW_PRIVATE_URLS=false) and a
 * name service that answers what each case needs: every malformed field, unknown event and URL rule
 * is refused as an invalid webhook (400) with nothing stored; a good one is kept with the job.
 */
class WebhookAtSubmitTest {
    private static final Map<String, String> NAMES = Map.of(
            "receiver.example", "93.184.216.34",
            "private.example", "10.1.2.3",
            "metadata.example", "169.254.169.254",
            "metadata6.example", "fd00:ec2::254",
            "loopback.example", "127.0.0.1",
            "linklocal.example", "169.254.7.7",
            "carrier.example", "100.64.0.9",
            "unique-local.example", "fd12:3456::1");
    private static ServiceHarness h;
    private static SubmitService strict;

    @BeforeAll
    static void start() {
        h = ServiceHarness.start();
        h.sim.faults().holdQueue(true);
        UrlPolicy deployed = new UrlPolicy(false, host -> {
            if (host.equals("mixed.example")) {
                return new InetAddress[] {InetAddress.getByName("93.184.216.34"), InetAddress.getByName("10.0.0.8")};
            }
            String address = NAMES.get(host);
            if (address == null) {
                throw new UnknownHostException(host);
            }
            return new InetAddress[] {InetAddress.getByName(address)};
        });
        strict = new SubmitService(h.store, h.pool, h.dispatcher, h.templates, h.images, RawWorkflows.ALL, deployed, h.settings, h.clock,
                h.observed);
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static SubmitRequest request(String webhook) {
        String body = "{\"workflow\": " + ServiceHarness.quick().json() + ", \"webhook\": " + webhook + "}";
        return SubmitRequest.parse(body.getBytes(StandardCharsets.UTF_8), h.settings.maxRequestBytes());
    }

    private static String refused(String user, String webhook) {
        SubmissionRefusedException e = assertThrows(SubmissionRefusedException.class, () -> strict.submit(Caller.user(user), request(webhook), null),
                webhook);
        assertEquals(SubmissionRefusedException.Reason.WEBHOOK_REFUSED, e.reason(), webhook);
        assertEquals(0, h.store.countByUserId(user), "nothing stored for " + webhook);
        return e.getMessage();
    }

    private static String url(String url) {
        return "{\"url\": \"" + url + "\"}";
    }

    @Test
    void everyUrlRuleIsRefusedBeforeAnythingIsStored() {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("http://receiver.example/hook", "must use https");
        cases.put("ftp://receiver.example/hook", "must use https");
        cases.put("file:///etc/passwd", "must use https");
        cases.put("https://user:pw@receiver.example/hook", "must not carry credentials");
        cases.put("https:///hook", "no valid host");
        cases.put("https://exa mple.com/", "not a valid URL");
        cases.put("https://127.0.0.1/hook", "loopback");
        cases.put("https://[::1]/hook", "loopback");
        cases.put("https://169.254.169.254/latest/meta-data", "metadata");
        cases.put("https://10.0.0.1/hook", "private");
        cases.put("https://[::ffff:10.0.0.1]/hook", "private");
        cases.put("https://private.example/hook", "resolves to a private address");
        cases.put("https://metadata.example/hook", "resolves to a metadata address");
        cases.put("https://metadata6.example/hook", "resolves to a metadata address");
        cases.put("https://loopback.example/hook", "resolves to a loopback address");
        cases.put("https://linklocal.example/hook", "resolves to a link-local address");
        cases.put("https://carrier.example/hook", "resolves to a shared (carrier-grade NAT) address");
        cases.put("https://unique-local.example/hook", "resolves to a unique-local address");
        cases.put("https://mixed.example/hook", "resolves to a private address");
        cases.put("https://nowhere.example/hook", "does not resolve");
        int n = 0;
        for (Map.Entry<String, String> c : cases.entrySet()) {
            String message = refused("rules-" + n++, url(c.getKey()));
            assertTrue(message.startsWith("webhook.url: ") && message.contains(c.getValue()), c.getKey() + ": " + message);
        }
    }

    @Test
    void everyMalformedWebhookAndUnknownEventIsRefused() {
        String ok = "\"https://receiver.example/hook\"";
        List<String> bad = List.of("\"https://receiver.example/hook\"", "[]", "5", "{}", "{\"url\": 5}", "{\"url\": \"\"}",
                "{\"url\": \"https://receiver.example/" + "a".repeat(UrlPolicy.MAX_URL_CHARS) + "\"}",
                "{\"url\": " + ok + ", \"secret\": \"x\"}", "{\"url\": " + ok + ", \"events\": []}",
                "{\"url\": " + ok + ", \"events\": \"job.failed\"}", "{\"url\": " + ok + ", \"events\": [\"job.queued\"]}",
                "{\"url\": " + ok + ", \"events\": [\"job.running\"]}", "{\"url\": " + ok + ", \"events\": [\"job.Failed\"]}",
                "{\"url\": " + ok + ", \"events\": [\"job.failed\", \"job.failed\"]}", "{\"url\": " + ok + ", \"events\": [1]}",
                "{\"url\": " + ok + ", \"events\": [null]}", "{\"url\": " + ok + ", \"events\": [\"job.failed\", \"job.succeeded\", "
                        + "\"job.canceled\", \"job.expired\", \"job.progress\", \"job.progress\"]}");
        for (String webhook : bad) {
            SubmissionRefusedException e = assertThrows(SubmissionRefusedException.class, () -> request(webhook), webhook);
            assertEquals(SubmissionRefusedException.Reason.WEBHOOK_REFUSED, e.reason(), webhook);
            assertTrue(e.getMessage().contains("webhook"), e.getMessage());
        }
    }

    @Test
    void aWebhookThatKeepsTheRulesIsKeptWithTheJobWithTheEndsAsDefaultEvents() {
        Job kept = h.stored(strict.submit(Caller.user("kept"), request(url("https://receiver.example/hook")), null).job().id());
        assertEquals(new Webhook("https://receiver.example/hook", Webhook.TERMINAL_EVENTS), kept.webhook());
        Job progress = h.stored(strict.submit(Caller.user("kept"), request("{\"url\": \"https://receiver.example/p\", \"events\": "
                + "[\"job.succeeded\", \"job.progress\"]}"), null).job().id());
        assertEquals(List.of("job.progress", "job.succeeded"), progress.webhook().events());
        assertEquals(null, h.stored(h.submit("kept", ServiceHarness.quick()).id()).webhook(), "a job without one has none");
    }
}
