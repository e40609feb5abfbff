package com.comfyjobs.submit;

import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.PromptGraph;
import com.comfyjobs.comfyui.PromptLocation;
import com.comfyjobs.comfyui.PromptStopper;
import com.comfyjobs.comfyui.PromptSubmitResult;
import com.comfyjobs.comfyui.StopResult;
import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobError;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.SentGraph;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.TransitionResult;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.live.LiveUpdates;
import com.comfyjobs.observability.JobObserver;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Hands queued jobs to ComfyUI, at most once per attempt. ComfyUI never deduplicates prompt ids, so
 * this is the only guard there is, and it rests on the dispatch lease:
 * <ul>
 * <li>only the holder of a job's lease sends it, and every write the holder makes about the dispatch
 *     is fenced by its owner token, so a worker whose lease ran out (or was taken over) writes nothing;
 * <li>before each call to ComfyUI the holder makes sure its lease outlasts that call (renewing it in
 *     the store when not), so no other worker can take the job over while the call may still land;
 * <li>the server is recorded on the job before anything is sent, and a job whose earlier submission
 *     may have got through is looked up there (history, queue, history) before it is sent again;
 * <li>a submission whose answer was lost keeps its lease until it runs out, so the next worker looks
 *     only once the lost request can no longer arrive;
 * <li>a job whose cancel was asked is never sent, and one canceled while it was being sent is taken
 *     back out of ComfyUI.
 * </ul>
 */
public final class Dispatcher {
    /** ComfyUI routes a prompt's events by client_id and skips most of them without one. */
    public static final String CLIENT_ID = "comfyjobs";
    /** Headroom between a ComfyUI call's timeout and the end of the lease it is made under. */
    static final Duration LEASE_MARGIN = Duration.ofSeconds(5);
    /** The most of ComfyUI's reasons a failed job keeps; node_errors of a huge graph can be as large as the graph. */
    static final int MAX_STORED_DETAILS_CHARS = 8 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JobStore store;
    private final ComfyUiPool pool;
    private final InputStaging staging;
    private final PromptStopper stopper;
    private final ServiceSettings settings;
    private final Clock clock;
    private final JobObserver observer;
    private final LiveUpdates live;

    /** Without live pushes. */
    public Dispatcher(JobStore store, ComfyUiPool pool, InputStaging staging, ServiceSettings settings, Clock clock, JobObserver observer) {
        this(store, pool, staging, settings, clock, observer, LiveUpdates.NONE);
    }

    /** {@code live}: a job's next attempt and its end here (refused, canceled, out of attempts) are pushed to its live listeners. */
    public Dispatcher(JobStore store, ComfyUiPool pool, InputStaging staging, ServiceSettings settings, Clock clock, JobObserver observer,
                      LiveUpdates live) {
        this.live = live;
        if (settings.dispatchLease().compareTo(pool.requestTimeout().plus(LEASE_MARGIN)) < 0) {
            throw new ConfigException("DISPATCH_LEASE_SECONDS (" + settings.dispatchLease().toSeconds()
                    + ") must be at least COMFYUI_REQUEST_TIMEOUT_MS (" + pool.requestTimeout().toMillis() + " ms) plus "
                    + LEASE_MARGIN.toSeconds() + " s: the lease must outlast every call to ComfyUI made under it");
        }
        this.store = store;
        this.pool = pool;
        this.staging = staging;
        this.stopper = new PromptStopper(pool);
        this.settings = settings;
        this.clock = clock;
        this.observer = observer;
    }

    /** A fresh owner token for a lease. */
    public static String newLeaseOwner() {
        return UUID.randomUUID().toString();
    }

    /**
     * First submission of a job's current attempt by the worker that holds its lease (the job as that
     * worker's lease transition returned it: {@link Job#leaseOwner()} is the worker's token).
     */
    public DispatchResult submitNew(Job job, Workflow workflow) {
        return submitNew(job, workflow, null);
    }

    /**
     * {@link #submitNew(Job, Workflow)} with the graph the submit already made for the job's first
     * attempt ({@code prepared}, or null): sent as it is when staging leaves {@code workflow} unchanged.
     */
    public DispatchResult submitNew(Job job, Workflow workflow, PromptGraph prepared) {
        if (job.cancelRequested()) {
            return settleCancel(job);
        }
        if (job.comfyServer() == null) {
            release(job);
            return new DispatchResult(DispatchResult.Outcome.DEFERRED, job, "no ComfyUI server answered");
        }
        return send(job, workflow, pool.client(job.comfyServer()), prepared);
    }

    /**
     * Submission of a queued job whose earlier submission did not complete (the submitting request
     * died, its answer was lost, or ComfyUI was down). Takes the lease first, so concurrent callers do
     * not both submit.
     */
    public DispatchResult resume(Job stale) {
        Instant now = now();
        TransitionResult claim = store.transition(Transition.of(stale.id(), now)
                .expectStatus(JobStatus.QUEUED).expectAttempt(stale.attempt())
                .acquireLease(newLeaseOwner(), now.plus(settings.dispatchLease())).returnJob().build());
        if (!claim.applied()) {
            return new DispatchResult(DispatchResult.Outcome.SKIPPED, stale, claim.outcome().name());
        }
        Job job = claim.job();
        if (job.isSubmitted()) {
            release(job);
            return new DispatchResult(DispatchResult.Outcome.ALREADY_THERE, job, null);
        }
        if (job.cancelRequested()) {
            return settleCancel(job);
        }
        Optional<Workflow> workflow = store.findWorkflow(job.id());
        if (workflow.isEmpty()) {
            return fail(job, JobError.of("workflow_missing", "the stored workflow is gone; the job cannot be submitted"));
        }
        if (job.comfyServer() == null) {
            return move(job, workflow.get(), List.of(), true);
        }
        ComfyUiClient recorded = pool.client(job.comfyServer());
        PromptLocation where = PromptLocation.find(recorded, job.promptId());
        if (where.isInComfyUi()) {
            TransitionResult r = store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt())
                    .underLease(job.leaseOwner()).markSubmitted().returnJob().build());
            return new DispatchResult(r.applied() ? DispatchResult.Outcome.ALREADY_THERE : DispatchResult.Outcome.SKIPPED,
                    r.applied() ? r.job() : job, null);
        }
        // a drained server keeps the jobs it has, but one it never took goes elsewhere
        if (where.place() == PromptLocation.Place.ABSENT && !pool.drained(job.comfyServer())) {
            return send(job, workflow.get(), recorded, null);
        }
        return move(job, workflow.get(), List.of(job.comfyServer()), true);
    }

    /**
     * Starts the job on a reachable server other than {@code avoid}, provided it has not changed since
     * {@code job} was read: a job that was never given a server gets one, one that was gets its next
     * attempt (a new prompt id, so a late run of the old one on a server that comes back is recognised
     * as superseded).
     */
    public DispatchResult moveToAnotherServer(Job job, Workflow workflow, List<String> avoid) {
        return move(job, workflow, avoid, false);
    }

    /** {@code held}: the caller holds the job's lease under {@link Job#leaseOwner()}; else it takes a new one. */
    private DispatchResult move(Job job, Workflow workflow, List<String> avoid, boolean held) {
        Optional<ComfyUiClient> next = pool.chooseExcept(avoid);
        if (next.isEmpty() && !avoid.isEmpty()) {
            next = pool.choose();
        }
        if (next.isEmpty()) {
            if (held) {
                release(job);
            }
            return new DispatchResult(DispatchResult.Outcome.DEFERRED, job, "no ComfyUI server answered");
        }
        String server = next.get().baseUrl().toString();
        String owner = held ? job.leaseOwner() : newLeaseOwner();
        Transition.Builder move = Transition.of(job.id(), now()).expectAttempt(job.attempt()).expectUnchangedSince(job.updatedAt())
                .acquireLease(owner, now().plus(settings.dispatchLease())).returnJob();
        if (job.comfyServer() == null) {
            move.expectStatus(JobStatus.QUEUED).comfyServer(server);
        } else {
            int attempt = job.attempt() + 1;
            if (attempt > settings.maxAttempts()) {
                JobError error = JobError.of("max_attempts", "ComfyUI could not run the job in " + settings.maxAttempts() + " attempts");
                return held ? fail(job, error) : failUnchanged(job, error);
            }
            move.requeue(attempt, server, PromptIds.of(job.id(), attempt));
        }
        TransitionResult r = store.transition(move.build());
        live.push(r);
        if (!r.applied()) {
            return new DispatchResult(DispatchResult.Outcome.SKIPPED, job, r.outcome().name());
        }
        if (r.job().cancelRequested()) {
            return settleCancel(r.job());
        }
        return send(r.job(), workflow, next.get(), null);
    }

    private DispatchResult send(Job job, Workflow workflow, ComfyUiClient client, PromptGraph prepared) {
        // Staging only writes into this attempt's own folder, the same files each time, so it needs no
        // lease of its own: the lease guards the POST below, which is what must happen once.
        StagingResult staged = staging.stage(job, client, workflow);
        if (staged instanceof StagingResult.Unavailable unavailable) {
            pool.invalidate();
            release(job);
            return new DispatchResult(DispatchResult.Outcome.DEFERRED, job, unavailable.reason());
        }
        if (staged instanceof StagingResult.Failed failed) {
            DispatchResult r = fail(job, failed.error());
            return r.job().isTerminal() ? new DispatchResult(DispatchResult.Outcome.REJECTED, r.job(), failed.error().message())
                    : new DispatchResult(DispatchResult.Outcome.SKIPPED, r.job(), "the lease ran out while the input images were staged");
        }
        Workflow stagedWorkflow = ((StagingResult.Staged) staged).workflow();
        PromptGraph graph = prepared != null && prepared.madeFor(job.id(), job.attempt(), stagedWorkflow) ? prepared
                : PromptGraph.of(job.id(), job.attempt(), stagedWorkflow);
        Optional<Job> leased = leaseCoveringOneCall(job, graph.sent());
        if (leased.isEmpty()) {
            return new DispatchResult(DispatchResult.Outcome.SKIPPED, job, "the lease was lost before sending");
        }
        job = leased.get();
        PromptSubmitResult result = client.submit(job.promptId(), CLIENT_ID, graph.workflow(),
                Map.of("jobId", job.id(), "userId", job.userId(), "attempt", Integer.toString(job.attempt())));
        if (result instanceof PromptSubmitResult.Accepted) {
            return accepted(job);
        }
        if (result instanceof PromptSubmitResult.Rejected rejected) {
            DispatchResult failed = fail(job, rejection(rejected));
            return new DispatchResult(DispatchResult.Outcome.REJECTED, failed.job(), rejected.message());
        }
        PromptSubmitResult.Unavailable unavailable = (PromptSubmitResult.Unavailable) result;
        pool.invalidate();
        if (!unavailable.maybeReceived()) {
            release(job);
        }
        // else the lease runs out on its own: whoever looks next does so only once this request can no longer land
        return new DispatchResult(DispatchResult.Outcome.DEFERRED, job, unavailable.reason());
    }

    private DispatchResult accepted(Job job) {
        TransitionResult r = store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt())
                .expectStatus(JobStatus.live()).underLease(job.leaseOwner()).markSubmitted().returnJob().build());
        if (r.applied()) {
            Job after = r.job();
            if (after.cancelRequested()) {
                // the cancel came while we were sending: take the prompt back out of ComfyUI
                return settleCancel(after);
            }
            return new DispatchResult(DispatchResult.Outcome.SUBMITTED, after, null);
        }
        Optional<Job> now = store.findById(job.id());
        if (now.isEmpty() || now.get().isTerminal() || now.get().attempt() != job.attempt()) {
            // ended or moved on while we were sending: what we just queued is nobody's work
            stopper.stop(job.promptId(), job.comfyServer());
        }
        return new DispatchResult(DispatchResult.Outcome.SKIPPED, now.orElse(job), r.outcome().name());
    }

    /**
     * Makes sure the lease the job holds outlasts one ComfyUI call from now, and that the job records
     * the graph about to be sent ({@code sent}; the finalizer takes outputs only from that graph),
     * writing to the store only when either is missing. A new job was stored with both (the
     * submitting request holds a fresh lease, and its first graph was recorded at creation), so the
     * common path costs no write here. An extension applies only if nothing touched the job since we
     * took it (no other worker took the lease meanwhile, no news from ComfyUI): the same owner token on
     * an expired lease is not proof enough. Empty when that does not hold.
     */
    private Optional<Job> leaseCoveringOneCall(Job job, SentGraph sent) {
        Instant now = now();
        Instant needed = now.plus(pool.requestTimeout()).plus(LEASE_MARGIN);
        boolean covered = job.leaseUntil() != null && !job.leaseUntil().isBefore(needed);
        if (covered && sent.equals(job.sentGraph())) {
            return Optional.of(job);
        }
        Transition.Builder t = Transition.of(job.id(), now).expectAttempt(job.attempt()).expectStatus(JobStatus.QUEUED)
                .sentGraph(sent).returnJob();
        if (covered) {
            t.underLease(job.leaseOwner());
        } else {
            t.expectUnchangedSince(job.updatedAt()).acquireLease(job.leaseOwner(), now.plus(settings.dispatchLease()));
        }
        TransitionResult r = store.transition(t.build());
        return r.applied() ? Optional.of(r.job()) : Optional.empty();
    }

    /**
     * A job whose cancel was asked, held under our lease, or just recorded as submitted (which ended
     * the lease: sending is over, the attempt and the status guard what is left): canceled once its
     * prompt is surely not on ComfyUI; otherwise left to ComfyUI's confirmation (its interrupted
     * webhook, or recovery).
     */
    private DispatchResult settleCancel(Job job) {
        StopResult stop = job.comfyServer() == null ? new StopResult(StopResult.Outcome.GONE, null)
                : stopper.stop(job.promptId(), job.comfyServer());
        if (stop.outcome() != StopResult.Outcome.GONE) {
            if (job.leaseOwner() != null) {
                Transition.Builder t = Transition.of(job.id(), now()).expectAttempt(job.attempt()).underLease(job.leaseOwner())
                        .releaseLease();
                if (stop.outcome() != StopResult.Outcome.UNKNOWN) {
                    // ComfyUI has it (interrupted now, or finished): from here on it is settled as a submitted job
                    t.observed();
                }
                store.transition(t.build());
            }
            return new DispatchResult(DispatchResult.Outcome.SKIPPED, job, "cancel requested; ComfyUI confirms");
        }
        Transition.Builder cancel = Transition.of(job.id(), now()).expectAttempt(job.attempt())
                .expectStatus(JobStatus.QUEUED, JobStatus.RUNNING).status(JobStatus.CANCELED).returnJob();
        if (job.leaseOwner() != null) {
            cancel.underLease(job.leaseOwner());
        }
        TransitionResult r = store.transition(cancel.build());
        live.push(r);
        if (r.becameTerminal()) {
            observer.jobFinished(r.job());
            return new DispatchResult(DispatchResult.Outcome.CANCELED, r.job(), null);
        }
        return new DispatchResult(DispatchResult.Outcome.SKIPPED, job, r.outcome().name());
    }

    static JobError rejection(PromptSubmitResult.Rejected rejected) {
        ObjectNode details = JSON.createObjectNode();
        details.set("error", withoutTracebacks(rejected.error()));
        JsonNode nodeErrors = withoutTracebacks(rejected.nodeErrors());
        if (nodeErrors.toString().length() > MAX_STORED_DETAILS_CHARS) {
            ObjectNode kept = JSON.createObjectNode();
            int chars = 0;
            var it = nodeErrors.fields();
            while (it.hasNext()) {
                var e = it.next();
                chars += e.getKey().length() + e.getValue().toString().length();
                if (chars > MAX_STORED_DETAILS_CHARS) {
                    break;
                }
                kept.set(e.getKey(), e.getValue());
            }
            details.put("node_errors_truncated", true);
            nodeErrors = kept;
        }
        details.set("node_errors", nodeErrors);
        return new JobError("comfyui_rejected", rejected.message(), null, null, details.toString());
    }

    /**
     * ComfyUI's validation errors can carry Python tracebacks (server paths, code lines); callers get
     * ComfyUI's reasons, never its stack traces.
     */
    static JsonNode withoutTracebacks(JsonNode n) {
        JsonNode copy = n.deepCopy();
        strip(copy);
        return copy;
    }

    private static void strip(JsonNode n) {
        if (n.isObject()) {
            ((ObjectNode) n).remove("traceback");
        }
        n.forEach(Dispatcher::strip);
    }

    /** Fails a job held under our lease. */
    private DispatchResult fail(Job job, JobError error) {
        return failed(job, error, store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt())
                .underLease(job.leaseOwner()).status(JobStatus.FAILED).error(error).returnJob().build()));
    }

    /** Fails a job read without a lease, provided nothing changed it since. */
    private DispatchResult failUnchanged(Job job, JobError error) {
        return failed(job, error, store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt())
                .expectUnchangedSince(job.updatedAt()).status(JobStatus.FAILED).error(error).returnJob().build()));
    }

    private DispatchResult failed(Job job, JobError error, TransitionResult r) {
        live.push(r);
        if (r.becameTerminal()) {
            observer.jobFinished(r.job());
        }
        Job after = r.job() != null ? r.job() : job;
        return new DispatchResult(error.type().equals("max_attempts") ? DispatchResult.Outcome.GAVE_UP : DispatchResult.Outcome.REJECTED,
                after, error.message());
    }

    /** Gives up the lease the job is held under. */
    private void release(Job job) {
        store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt()).expectStatus(JobStatus.QUEUED)
                .underLease(job.leaseOwner()).releaseLease().build());
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
