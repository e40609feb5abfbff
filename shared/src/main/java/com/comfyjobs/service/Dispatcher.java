package com.comfyjobs.service;

import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.SubmitResult;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobError;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.TransitionResult;
import com.comfyjobs.job.Workflow;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Hands queued jobs to ComfyUI, at most once per attempt. Only the holder of a job's dispatch lease
 * submits it; the server is recorded on the job before anything is sent, and a job whose earlier
 * submission may have got through is looked up on that server (history, queue, history) before it is
 * ever sent again. ComfyUI itself never deduplicates prompt ids, so this is the only guard there is.
 */
public final class Dispatcher {
    /** ComfyUI routes a prompt's events by client_id and skips most of them without one. */
    public static final String CLIENT_ID = "comfyjobs";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JobStore store;
    private final ComfyUiPool pool;
    private final ServiceSettings settings;
    private final Clock clock;
    private final JobObserver observer;

    public Dispatcher(JobStore store, ComfyUiPool pool, ServiceSettings settings, Clock clock, JobObserver observer) {
        this.store = store;
        this.pool = pool;
        this.settings = settings;
        this.clock = clock;
        this.observer = observer;
    }

    /** First submission of a job that was just created holding the lease. */
    public DispatchResult submitNew(Job job, Workflow workflow) {
        if (job.comfyServer() == null) {
            release(job);
            return new DispatchResult(DispatchResult.Kind.DEFERRED, job, "no ComfyUI server answered");
        }
        return send(job, workflow, pool.client(job.comfyServer()));
    }

    /**
     * Submission of a queued job whose earlier submission did not complete (the submitting request
     * died, or ComfyUI was down). Takes the lease first, so concurrent callers do not both submit.
     */
    public DispatchResult resume(Job stale) {
        Instant now = now();
        TransitionResult claim = store.transition(Transition.of(stale.id(), now)
                .expectStatus(JobStatus.QUEUED).expectAttempt(stale.attempt())
                .acquireLease(now.plus(settings.dispatchLease())).returnJob().build());
        if (!claim.applied() || claim.job().isSubmitted()) {
            return new DispatchResult(DispatchResult.Kind.SKIPPED, claim.job(), claim.outcome().name());
        }
        Job job = claim.job();
        Optional<Workflow> workflow = store.findWorkflow(job.id());
        if (workflow.isEmpty()) {
            return fail(job, JobError.of("workflow_missing", "the stored workflow is gone; the job cannot be submitted"));
        }
        if (job.comfyServer() != null) {
            ComfyUiClient recorded = pool.client(job.comfyServer());
            PromptLocation where = PromptLocation.find(recorded, job.promptId());
            if (where.isInComfyUi()) {
                TransitionResult r = markSubmitted(job);
                return new DispatchResult(r.applied() ? DispatchResult.Kind.ALREADY_THERE : DispatchResult.Kind.SKIPPED, job, null);
            }
            if (where.place() == PromptLocation.Place.ABSENT) {
                return send(job, workflow.get(), recorded);
            }
            return moveToAnotherServer(job, workflow.get(), List.of(job.comfyServer()));
        }
        return moveToAnotherServer(job, workflow.get(), List.of());
    }

    /**
     * Starts the next attempt on a reachable server other than {@code avoid}: a new prompt id, so a
     * late run of the old one on a server that comes back is recognised as superseded.
     */
    public DispatchResult moveToAnotherServer(Job job, Workflow workflow, List<String> avoid) {
        Optional<ComfyUiClient> next = pool.chooseExcept(avoid);
        if (next.isEmpty() && !avoid.isEmpty()) {
            next = pool.choose();
        }
        if (next.isEmpty()) {
            release(job);
            return new DispatchResult(DispatchResult.Kind.DEFERRED, job, "no ComfyUI server answered");
        }
        if (job.comfyServer() == null) {
            TransitionResult r = store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt())
                    .expectStatus(JobStatus.QUEUED).comfyServer(next.get().baseUrl().toString()).returnJob().build());
            if (!r.applied()) {
                return new DispatchResult(DispatchResult.Kind.SKIPPED, job, r.outcome().name());
            }
            return send(r.job(), workflow, next.get());
        }
        int attempt = job.attempt() + 1;
        if (attempt > settings.maxAttempts()) {
            return fail(job, JobError.of("max_attempts", "ComfyUI could not run the job in " + settings.maxAttempts() + " attempts"));
        }
        TransitionResult r = store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt())
                .requeue(attempt, next.get().baseUrl().toString(), PromptIds.of(job.id(), attempt))
                .acquireLease(now().plus(settings.dispatchLease())).returnJob().build());
        if (!r.applied()) {
            return new DispatchResult(DispatchResult.Kind.SKIPPED, job, r.outcome().name());
        }
        return send(r.job(), workflow, next.get());
    }

    private DispatchResult send(Job job, Workflow workflow, ComfyUiClient client) {
        SubmitResult result = client.submit(job.promptId(), CLIENT_ID, workflow,
                Map.of("jobId", job.id(), "userId", job.userId(), "attempt", Integer.toString(job.attempt())));
        if (result instanceof SubmitResult.Accepted) {
            TransitionResult r = markSubmitted(job);
            if (!r.applied() && r.status() == JobStatus.CANCELED) {
                // canceled while we were sending: take it back out of ComfyUI
                client.deletePending(job.promptId());
                client.interrupt(job.promptId());
            }
            return new DispatchResult(DispatchResult.Kind.SUBMITTED, r.job() == null ? job : r.job(), null);
        }
        if (result instanceof SubmitResult.Rejected rejected) {
            ObjectNode details = JSON.createObjectNode();
            details.set("error", withoutTracebacks(rejected.error()));
            details.set("node_errors", withoutTracebacks(rejected.nodeErrors()));
            JobError error = new JobError("comfyui_rejected", rejected.message(), null, null, details);
            DispatchResult failed = fail(job, error);
            return new DispatchResult(DispatchResult.Kind.REJECTED, failed.job(), rejected.message());
        }
        pool.invalidate();
        release(job);
        return new DispatchResult(DispatchResult.Kind.DEFERRED, job, ((SubmitResult.Unavailable) result).reason());
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

    private TransitionResult markSubmitted(Job job) {
        return store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt())
                .expectStatus(JobStatus.live()).markSubmitted().returnJob().build());
    }

    private DispatchResult fail(Job job, JobError error) {
        TransitionResult r = store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt())
                .status(JobStatus.FAILED).error(error).returnJob().build());
        if (r.becameTerminal()) {
            observer.jobFinished(r.job());
        }
        Job after = r.job() != null ? r.job() : job;
        return new DispatchResult(error.type().equals("max_attempts") ? DispatchResult.Kind.GAVE_UP : DispatchResult.Kind.REJECTED,
                after, error.message());
    }

    private void release(Job job) {
        store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt()).expectStatus(JobStatus.QUEUED)
                .releaseLease().build());
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
