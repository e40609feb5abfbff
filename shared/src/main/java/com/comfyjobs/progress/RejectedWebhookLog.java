package com.comfyjobs.progress;

import com.comfyjobs.observability.JsonLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BiConsumer;

/**
 * One WARN line per rejected webhook (a bad or stale signature, a body too large or malformed) with
 * the reason and the delivery's webhook-id, so a secret that does not match is seen in the logs and
 * not only in a metric. Rate-limited: at most {@link #LINES_PER_WINDOW} lines a minute per container;
 * the next line written says how many were left out, so a flood of forged requests cannot flood the
 * logs. The webhook-id is the sender's text: shortened and stripped of control characters.
 */
final class RejectedWebhookLog {
    static final int LINES_PER_WINDOW = 10;
    static final Duration WINDOW = Duration.ofMinutes(1);
    private static final int MAX_ID_CHARS = 64;

    private final Clock clock;
    private final BiConsumer<String, Object[]> warn;
    private Instant windowStart = Instant.MIN;
    private int linesInWindow;
    private long leftOut;

    RejectedWebhookLog(Clock clock) {
        this(clock, JsonLog::warn);
    }

    RejectedWebhookLog(Clock clock, BiConsumer<String, Object[]> warn) {
        this.clock = clock;
        this.warn = warn;
    }

    synchronized void rejected(String reason, String webhookId) {
        Instant now = clock.instant();
        if (!now.isBefore(windowStart.plus(WINDOW))) {
            windowStart = now;
            linesInWindow = 0;
        }
        if (linesInWindow >= LINES_PER_WINDOW) {
            leftOut++;
            return;
        }
        linesInWindow++;
        warn.accept("webhook rejected", new Object[] {"reason", reason, "webhookId", shown(webhookId), "rejectionsNotLogged", leftOut});
        leftOut = 0;
    }

    private static String shown(String webhookId) {
        if (webhookId == null) {
            return "(none)";
        }
        String clean = webhookId.replaceAll("\\p{Cntrl}", "?");
        return clean.length() > MAX_ID_CHARS ? clean.substring(0, MAX_ID_CHARS) + "..." : clean;
    }
}
