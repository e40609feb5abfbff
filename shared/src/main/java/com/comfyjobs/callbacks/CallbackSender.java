package com.comfyjobs.callbacks;

import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.CallbackAttempt;
import com.comfyjobs.job.CallbackDelivery;
import com.comfyjobs.job.CallbackStatus;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.RecordCallbackOutcome;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.observability.JsonLog;
import com.comfyjobs.outbound.UrlFetcher;
import com.comfyjobs.outbound.UrlRefusedException;
import com.comfyjobs.query.JobEnvelope;
import com.comfyjobs.query.JobEventType;
import com.comfyjobs.query.JobViews;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookSigningException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sends one claimed callback and records how it went. The body is the one envelope every push uses
 * ({@link JobEnvelope}: the event, when it happened, and the job exactly as GET /jobs/{id} shows it,
 * with fresh download URLs); the request is a Standard Webhooks delivery (webhook-id, the same on
 * every try of one delivery; webhook-timestamp, now; webhook-signature by the job owner's own secret,
 * and for a day after a rotation by the previous one too). It goes out under the URL rules
 * ({@link UrlFetcher}: the address checked is the one connected to, no redirects), within
 * {@link #TIMEOUT}, reading at most {@link #MAX_ANSWER_BYTES} of the answer.
 *
 * <p>2xx is delivered; 410 Gone stops the job's callbacks; anything else, and a request that fails,
 * is tried again after the next wait of CALLBACK_RETRY_SCHEDULE, or has failed after the last. A
 * failure of this service before sending (the store, a secret) records nothing: the claim runs out
 * and the delivery is tried again then, without counting a try against the caller.
 *
 * <p>The first try of a delivery is made by the function whose transition enqueued it, right after it
 * ({@link #attemptFirst}), within a budget so a webhook's answer to ComfyUI is not held long; every
 * retry is {@link CallbackDrainer}'s.
 */
public final class CallbackSender {
    public static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** How long a function that made a transition spends on its first tries. */
    public static final Duration FIRST_TRY_BUDGET = Duration.ofSeconds(2);
    /** A claim: a send's timeout with room for presigning, signing and recording; a sender that died is replaced after it. */
    public static final Duration CLAIM = Duration.ofSeconds(30);
    public static final int MAX_ANSWER_BYTES = 1024;
    /** A first try with less time left than this is left to the schedule. */
    private static final Duration LEAST_WORTH_TRYING = Duration.ofMillis(250);
    private static final SecureRandom OWNERS = new SecureRandom();

    private final JobStore store;
    private final JobViews views;
    private final WebhookSecretService secrets;
    private final UrlFetcher http;
    private final List<Duration> retries;
    private final Clock clock;
    private final JobObserver observer;

    public CallbackSender(JobStore store, JobViews views, WebhookSecretService secrets, UrlFetcher http, ServiceSettings settings,
                          Clock clock, JobObserver observer) {
        this.store = store;
        this.views = views;
        this.secrets = secrets;
        this.http = http;
        this.retries = settings.callbackRetries();
        this.clock = clock;
        this.observer = observer;
    }

    /** A sender's claim token: random per run or request. */
    static String newOwner() {
        return "cb-" + Long.toUnsignedString(OWNERS.nextLong(), 36);
    }

    /**
     * The first try of each of these jobs' waiting deliveries that is due and has never been tried,
     * one after the other, for at most {@code budget} in all (each try gets what is left of it, up to
     * {@link #TIMEOUT}). What the budget leaves untried, and what fails, is the schedule's.
     */
    public List<SendOutcome> attemptFirst(Collection<String> jobIds, Duration budget) {
        long end = System.nanoTime() + budget.toNanos();
        String owner = newOwner();
        List<SendOutcome> outcomes = new ArrayList<>();
        for (String id : jobIds) {
            Duration left = Duration.ofNanos(end - System.nanoTime());
            if (left.compareTo(LEAST_WORTH_TRYING) < 0) {
                break;
            }
            try {
                Instant now = clock.instant();
                Optional<Job> claimed = store.claimFirstCallback(id, now, owner, now.plus(CLAIM));
                if (claimed.isPresent()) {
                    outcomes.add(send(claimed.get(), owner, left.compareTo(TIMEOUT) < 0 ? left : TIMEOUT));
                }
            } catch (RuntimeException e) {
                // the delivery waits in the outbox: the schedule sends it
                JsonLog.error("a callback's first try failed before it was sent; the schedule sends it", e, "jobId", id);
            }
        }
        return outcomes;
    }

    /** Sends a delivery {@code owner} has claimed, within {@code timeout}, and records the try. */
    SendOutcome send(Job job, String owner, Duration timeout) {
        CallbackDelivery d = job.callbacks().pending();
        String body;
        Map<String, String> headers;
        try {
            JobEventType type = JobEventType.fromWire(d.event())
                    .orElseThrow(() -> new IllegalStateException("a callback of unknown event " + d.event()));
            body = new JobEnvelope(type, d.at(), views.of(job)).toJson().toString();
            headers = headers(d.id(), clock.instant().getEpochSecond(), body, secrets.signing(job.userId()));
        } catch (RuntimeException e) {
            JsonLog.error("a callback could not be made ready; it is tried again when its claim runs out", e, "jobId", job.id());
            observer.callbackSent(SendOutcome.UNSENT.wire());
            return SendOutcome.UNSENT;
        }
        int attempts = d.attempts() + 1;
        CallbackStatus result;
        String error;
        try {
            UrlFetcher.Answer a = http.post(job.webhook().url(), headers, body.getBytes(StandardCharsets.UTF_8), MAX_ANSWER_BYTES, timeout);
            result = a.status() >= 200 && a.status() < 300 ? CallbackStatus.DELIVERED
                    : a.status() == 410 ? CallbackStatus.STOPPED : CallbackStatus.PENDING;
            error = result == CallbackStatus.DELIVERED ? null : "HTTP " + a.status()
                    + (a.status() >= 300 && a.status() < 400 ? " (redirects are not followed)" : "");
        } catch (UrlRefusedException e) {
            result = CallbackStatus.PENDING;
            error = e.getMessage();
        }
        Instant next = null;
        if (result == CallbackStatus.PENDING) {
            if (attempts > retries.size()) {
                result = CallbackStatus.FAILED;
            } else {
                next = clock.instant().plus(retries.get(attempts - 1));
            }
        }
        SendOutcome outcome = switch (result) {
            case DELIVERED -> SendOutcome.DELIVERED;
            case STOPPED -> SendOutcome.STOPPED;
            case FAILED -> SendOutcome.FAILED;
            case PENDING -> SendOutcome.RETRIED;
        };
        try {
            RecordCallbackOutcome recorded = store.recordCallback(new CallbackAttempt(job.id(), d.id(), owner, result, attempts, error, next));
            if (recorded == RecordCallbackOutcome.SUPERSEDED) {
                outcome = SendOutcome.SUPERSEDED;
            }
        } catch (RuntimeException e) {
            // sent, not recorded: when the claim runs out it is sent again, with the same webhook-id
            JsonLog.error("a callback's try could not be recorded; it is sent again when its claim runs out", e, "jobId", job.id());
        }
        if (outcome == SendOutcome.FAILED) {
            JsonLog.warn("a callback failed after its last try", "jobId", job.id(), "webhookId", d.id(), "attempts", attempts, "lastError", error);
        }
        observer.callbackSent(outcome.wire());
        return outcome;
    }

    private static Map<String, String> headers(String id, long timestamp, String body, List<String> signingSecrets) {
        List<String> signatures = new ArrayList<>();
        for (String s : signingSecrets) {
            try {
                signatures.add(new Webhook(s).sign(id, timestamp, body));
            } catch (WebhookSigningException e) {
                throw new IllegalStateException("HMAC-SHA256 is part of every JRE", e);
            }
        }
        Map<String, String> h = new LinkedHashMap<>();
        h.put("webhook-id", id);
        h.put("webhook-timestamp", Long.toString(timestamp));
        h.put("webhook-signature", String.join(" ", signatures));
        return h;
    }
}
