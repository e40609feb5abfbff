package com.comfyjobs.progress;

import com.comfyjobs.callbacks.CallbackSender;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.HistoryEntry;
import com.comfyjobs.comfyui.PromptStopper;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.CallbackDelivery;
import com.comfyjobs.job.GraphUpdate;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobError;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.TransitionOutcome;
import com.comfyjobs.job.TransitionResult;
import com.comfyjobs.live.LiveUpdates;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.observability.JsonLog;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * POST /webhooks/comfyui: verifies the delivery, then turns each ComfyUI event into one guarded
 * transition of its job (one Redis round trip), deduplicated by webhook-id and position in the
 * same script. Any event about the current attempt is also proof that ComfyUI has its prompt. Events
 * of other clients' prompts or of unknown types change nothing; execution_success moves the job to
 * finalizing and starts copying its outputs.
 *
 * <p>An event that says a prompt is still running, for a job that has moved on to another attempt or
 * has ended (canceled, expired, failed), is GPU work nobody will collect: the prompt is interrupted on
 * the servers of the pool, once per prompt for a while, however many of its events arrive.
 *
 * <p>A transition that enqueued a callback for its job's caller (its webhook wants the event) has
 * the callback's first try made here, after the delivery's events and finalizations, within
 * {@link CallbackSender#FIRST_TRY_BUDGET} in all; what that leaves is the schedule's.
 */
public final class WebhookService {
    /** ComfyUI's largest events (executed with many outputs) are a few KB; a batch of them stays far below this. */
    public static final int MAX_BODY_BYTES = 1024 * 1024;

    /** Events that only a running prompt sends. */
    private static final Set<String> RUNNING_EVENTS = Set.of("execution_start", "execution_cached", "executing", "progress",
            "progress_state", "executed");
    /** How long a stopped orphan prompt is remembered, so its next events do not stop it again. */
    static final Duration ORPHAN_MEMORY = Duration.ofMinutes(2);
    private static final int ORPHANS_REMEMBERED = 1024;

    private final JobStore store;
    private final WebhookVerifier verifier;
    private final PromptStopper stopper;
    private final Map<String, Instant> stoppedOrphans = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
            return size() > ORPHANS_REMEMBERED;
        }
    });
    private final Finalizer finalizer;
    private final ServiceSettings settings;
    private final Clock clock;
    private final JobObserver observer;
    private final CallbackSender callbacks;
    private final LiveUpdates live;
    private final RejectedWebhookLog rejections;

    /**
     * {@code callbacks} makes the first tries of the callbacks an applied event causes; {@code live}
     * pushes each applied event to the job's live listeners (WebSocket), throttled per job.
     */
    public WebhookService(JobStore store, WebhookVerifier verifier, Finalizer finalizer, ComfyUiPool pool, ServiceSettings settings,
                          Clock clock, JobObserver observer, CallbackSender callbacks, LiveUpdates live) {
        this.live = live;
        this.rejections = new RejectedWebhookLog(clock);
        this.store = store;
        this.callbacks = callbacks;
        this.verifier = verifier;
        this.stopper = new PromptStopper(pool);
        this.finalizer = finalizer;
        this.settings = settings;
        this.clock = clock;
        this.observer = observer;
    }

    public WebhookResult handle(byte[] body, Map<String, String> headers) {
        if (body.length > MAX_BODY_BYTES) {
            observer.webhookEvent("rejected");
            rejections.rejected("the body is " + body.length + " bytes; the limit is " + MAX_BODY_BYTES, webhookIdOf(headers));
            throw new WebhookTooLargeException("webhook body is " + body.length + " bytes; the limit is " + MAX_BODY_BYTES);
        }
        String webhookId;
        try {
            webhookId = verifier.verify(body, headers);
        } catch (WebhookRejectedException e) {
            observer.webhookEvent("rejected");
            rejections.rejected(e.getMessage(), webhookIdOf(headers));
            throw e;
        }
        signedAt(headers).ifPresent(at -> observer.webhookLag(Duration.between(at, clock.instant())));
        List<ComfyEvent> events;
        try {
            events = WebhookEnvelopes.parse(body, webhookId);
        } catch (MalformedWebhookException e) {
            rejections.rejected("malformed: " + e.getMessage(), webhookId);
            throw e;
        }
        int applied = 0;
        int duplicates = 0;
        int ignored = 0;
        List<Job> toFinalize = new ArrayList<>();
        Set<String> withCallback = new LinkedHashSet<>();
        for (ComfyEvent e : events) {
            String outcome = apply(e, toFinalize, withCallback);
            observer.webhookEvent(outcome);
            switch (outcome) {
                case "applied" -> applied++;
                case "duplicate" -> duplicates++;
                default -> ignored++;
            }
        }
        for (Job j : toFinalize) {
            finalizer.finalize(j, settings.finalizeBudget());
            if (j.webhook() != null) {
                withCallback.add(j.id());
            }
        }
        if (!withCallback.isEmpty()) {
            callbacks.attemptFirst(withCallback, CallbackSender.FIRST_TRY_BUDGET);
        }
        return new WebhookResult(applied, duplicates, ignored);
    }

    /** When the sender signed this delivery (webhook-timestamp, whole seconds), once its signature was checked. */
    private static Optional<Instant> signedAt(Map<String, String> headers) {
        return headers.entrySet().stream().filter(h -> "webhook-timestamp".equalsIgnoreCase(h.getKey())).map(Map.Entry::getValue)
                .findFirst().flatMap(v -> {
                    try {
                        return Optional.of(Instant.ofEpochSecond(Long.parseLong(v.trim())));
                    } catch (NumberFormatException e) {
                        return Optional.empty();
                    }
                });
    }

    /** The webhook-id header as sent (headers are case-insensitive), for the log of a rejected delivery. */
    private static String webhookIdOf(Map<String, String> headers) {
        return headers.entrySet().stream().filter(h -> "webhook-id".equalsIgnoreCase(h.getKey())).map(Map.Entry::getValue).findFirst()
                .orElse(null);
    }

    private String apply(ComfyEvent e, List<Job> toFinalize, Set<String> withCallback) {
        Optional<PromptIds.Parsed> ours = PromptIds.parse(e.promptId());
        if (ours.isEmpty()) {
            return "ignored";
        }
        String jobId = ours.get().jobId();
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        int attempt = ours.get().attempt();
        Transition.Builder t = Transition.of(jobId, now).expectAttempt(attempt)
                .eventId(e.eventId(), settings.webhookEventTtl()).observed().returnJobWhenActedOn();
        JsonNode d = e.data();
        switch (e.type()) {
            case "execution_start" -> t.status(JobStatus.RUNNING);
            case "execution_cached" -> t.status(JobStatus.RUNNING).graph(GraphUpdate.cached(strings(d.path("nodes"))));
            case "executing" -> {
                JsonNode node = d.get("node");
                if (node == null || node.isNull()) {
                    t.graph(GraphUpdate.executing(null));
                } else {
                    t.status(JobStatus.RUNNING).graph(GraphUpdate.executing(node.asText()));
                }
            }
            case "progress" -> t.status(JobStatus.RUNNING)
                    .graph(GraphUpdate.running(d.path("node").asText(), d.path("value").asInt(), d.path("max").asInt()));
            case "progress_state" -> t.status(JobStatus.RUNNING).graph(progressState(d.path("nodes")));
            case "executed" -> {
                String node = d.path("node").asText();
                t.status(JobStatus.RUNNING).graph(GraphUpdate.finished(List.of(node)))
                        .addOutputs(HistoryEntry.nodeOutputs(node, d.path("output")), settings.maxOutputs());
            }
            case "execution_success" -> t.status(JobStatus.FINALIZING);
            case "execution_error" -> t.status(JobStatus.FAILED).error(HistoryEntry.executionError("execution_error", d));
            case "execution_interrupted" -> t.status(JobStatus.FAILED).statusIfCancelRequested(JobStatus.CANCELED)
                    .error(new JobError("interrupted", "execution was interrupted on ComfyUI", text(d, "node_id"), text(d, "node_type"), null));
            default -> {
                return "ignored";
            }
        }
        TransitionResult r = store.transition(t.build());
        live.push(r);
        if (r.outcome() == TransitionOutcome.DUPLICATE_EVENT) {
            return "duplicate";
        }
        if (!r.applied()) {
            boolean superseded = r.outcome() == TransitionOutcome.WRONG_ATTEMPT && attempt < r.attempt();
            // a succeeded job's prompt ran to its end: its late (reordered, retried) events are no orphan
            boolean ended = r.outcome() == TransitionOutcome.STATUS_CONFLICT && r.status() != null && r.status().isTerminal()
                    && r.status() != JobStatus.SUCCEEDED && attempt == r.attempt();
            if ((superseded || ended) && RUNNING_EVENTS.contains(e.type()) && !(e.type().equals("executing") && d.path("node").isNull())) {
                stopOrphan(e.promptId(), now);
            }
            return "ignored";
        }
        JsonLog.job(jobId);
        if (r.becameTerminal() && r.job().error() != null && JobError.TOO_MANY_OUTPUTS.equals(r.job().error().type())) {
            stopper.stop(r.job().promptId(), r.job().comfyServer());
        }
        if (r.previousStatus() == JobStatus.QUEUED && r.status() != JobStatus.QUEUED && r.job().startedAt() != null) {
            observer.jobStarted(r.job(), Duration.between(r.job().createdAt(), r.job().startedAt()));
        }
        if (r.becameTerminal()) {
            observer.jobFinished(r.job());
        }
        if (r.statusChanged() && r.status() == JobStatus.FINALIZING) {
            toFinalize.add(r.job());
        }
        // the job comes back with a status change or a callback due for its first try (returnJobWhenActedOn)
        CallbackDelivery waiting = r.job() == null || r.job().callbacks() == null ? null : r.job().callbacks().pending();
        if (waiting != null && waiting.attempts() == 0 && !waiting.due().isAfter(now)) {
            withCallback.add(jobId);
        }
        return "applied";
    }

    private void stopOrphan(String promptId, Instant now) {
        Instant last = stoppedOrphans.get(promptId);
        if (last != null && last.plus(ORPHAN_MEMORY).isAfter(now)) {
            return;
        }
        stoppedOrphans.put(promptId, now);
        JsonLog.warn("interrupting a prompt whose job moved on or ended", "promptId", promptId);
        stopper.interruptEverywhere(promptId);
    }

    /** progress_state lists every node with its state: finished ones are done, the running one reports steps. */
    private static GraphUpdate progressState(JsonNode nodes) {
        List<String> finished = new ArrayList<>();
        String running = null;
        int value = 0;
        int max = 0;
        Iterator<Map.Entry<String, JsonNode>> it = nodes.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> n = it.next();
            String state = n.getValue().path("state").asText();
            if ("finished".equals(state)) {
                finished.add(n.getKey());
            } else if ("running".equals(state)) {
                running = n.getKey();
                value = n.getValue().path("value").asInt();
                max = n.getValue().path("max").asInt();
            }
        }
        return new GraphUpdate(null, finished, null, running, value, max);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
