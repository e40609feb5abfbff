package com.comfyjobs.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.comfyjobs.testing.ServiceHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A rejected webhook is one WARN line with its reason and webhook-id, at most ten a minute, the next line counting the rest. */
class RejectedWebhookLogTest {
    @Test
    void eachRejectionIsALineUntilTheMinutesShareIsSpentThenTheNextLineCountsWhatWasLeftOut() {
        ServiceHarness.MovableClock clock = new ServiceHarness.MovableClock();
        List<Map<String, Object>> lines = new ArrayList<>();
        RejectedWebhookLog log = new RejectedWebhookLog(clock, (message, kv) -> {
            assertEquals("webhook rejected", message);
            Map<String, Object> line = new java.util.LinkedHashMap<>();
            for (int i = 0; i < kv.length; i += 2) {
                line.put((String) kv[i], kv[i + 1]);
            }
            lines.add(line);
        });

        log.rejected("no signature matches", "msg_1");
        assertEquals(Map.of("reason", "no signature matches", "webhookId", "msg_1", "rejectionsNotLogged", 0L), lines.get(0));
        for (int i = 0; i < 14; i++) {
            log.rejected("no signature matches", "msg_x");
        }
        assertEquals(RejectedWebhookLog.LINES_PER_WINDOW, lines.size());
        clock.advance(Duration.ofMinutes(1));
        log.rejected("timestamp too old", "bad\nid" + "x".repeat(100));

        assertEquals(RejectedWebhookLog.LINES_PER_WINDOW + 1, lines.size());
        Map<String, Object> last = lines.get(lines.size() - 1);
        assertEquals(5L, last.get("rejectionsNotLogged"));
        assertEquals("bad?id" + "x".repeat(58) + "...", last.get("webhookId"), "the sender's text, shortened and without control characters");
        log.rejected("body too large", null);
        assertEquals("(none)", lines.get(lines.size() - 1).get("webhookId"));
    }
}
