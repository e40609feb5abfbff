package com.comfyjobs.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.testing.ServiceHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** WebhookLag: from the sender's webhook-timestamp to our handling, for verified deliveries only. */
class WebhookLagTest {
    private ServiceHarness h;

    @BeforeEach
    void start() {
        h = ServiceHarness.start();
    }

    @AfterEach
    void stop() {
        h.close();
    }

    @Test
    void aVerifiedDeliveryReportsHowLongAfterItsSigningItWasHandled() {
        String body = ServiceHarness.envelope("status", ServiceHarness.data("not-ours"));
        Map<String, String> headers = ServiceHarness.signed("msg_lag_1", body);
        h.clock.advance(Duration.ofSeconds(40));

        h.webhooks.handle(body.getBytes(StandardCharsets.UTF_8), headers);

        List<Duration> lags = h.observed.webhookLags();
        assertEquals(1, lags.size());
        assertTrue(lags.get(0).compareTo(Duration.ofSeconds(40)) >= 0 && lags.get(0).compareTo(Duration.ofMinutes(1)) < 0, lags.toString());
    }

    @Test
    void aRejectedDeliveryReportsNoLag() {
        String body = ServiceHarness.envelope("status", ServiceHarness.data("not-ours"));
        Map<String, String> forged = new HashMap<>(ServiceHarness.signed("msg_lag_2", body));
        forged.put("webhook-signature", "v1,AAAA");

        assertThrows(WebhookRejectedException.class, () -> h.webhooks.handle(body.getBytes(StandardCharsets.UTF_8), forged));

        assertEquals(List.of(), h.observed.webhookLags());
    }
}
