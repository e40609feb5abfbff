package com.comfyjobs.submit;

import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.FileInputViolation;
import com.comfyjobs.comfyui.FileInputs;
import com.comfyjobs.comfyui.ObjectInfo;
import com.comfyjobs.comfyui.PromptGraph;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.Caller;
import com.comfyjobs.job.CreateResult;
import com.comfyjobs.job.IdempotencyClaim;
import com.comfyjobs.job.IdempotencyRecord;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobInput;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.JobTooLargeException;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.observability.JsonLog;
import com.comfyjobs.outbound.UrlPolicy;
import com.comfyjobs.outbound.UrlRefusedException;
import com.comfyjobs.templates.ImageParam;
import com.comfyjobs.templates.TemplateService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * POST /jobs: admits a job (per-user cap, idempotency), stores it and submits it to ComfyUI. The job
 * is stored before ComfyUI hears of it, so a Redis outage answers 503 with nothing sent; ComfyUI
 * being down is not an error (the job waits, recovery submits it). Once the job is stored the answer
 * is "accepted", whatever happens to the submission afterwards (a lost answer from ComfyUI, Redis
 * failing while the submission is recorded): the rest is recovery's work, and an error answer would
 * only make the caller submit a second job.
 *
 * <p>A template job is bound first ({@link TemplateService#bind}): its params are checked and written
 * into a copy of the template's graph, which the job then stores and runs as a raw job would; bad
 * params are refused before anything is stored. A raw workflow is refused unless RAW_WORKFLOWS lets
 * the caller submit one. Either graph is refused when it names a file it may not read
 * ({@link FileInputs}), and its images are taken ({@link InputImages}) once the job has an id, just
 * before it is stored. A webhook's URL is held to the URL rules ({@link UrlPolicy}) with its host's
 * addresses as they resolve now, before anything is stored; every delivery checks them again.
 *
 * <p>Idempotency follows the IETF Idempotency-Key draft: the same key with the same payload replays
 * the first answer (errors included), with another payload is refused, and while the first request is
 * still writing its job the caller is asked to retry. A key whose job is no longer kept never creates
 * it again: that would run the same work twice under the same prompt id.
 */
public final class SubmitService {
    private static final int MAX_KEY_LENGTH = 255;
    /**
     * How long after its admission a key's job may still be missing because the first request died
     * before writing it; past this, a missing job was written and has since been removed.
     */
    static final Duration ADMISSION_WINDOW = Duration.ofMinutes(15);
    private static final int MAX_VIOLATIONS_SHOWN = 5;
    /** A live job takes seconds to minutes; asking again sooner than this mostly meets the cap again. */
    private static final Duration RETRY_WHEN_AT_THE_CAP = Duration.ofSeconds(30);

    private final JobStore store;
    private final ComfyUiPool pool;
    private final Dispatcher dispatcher;
    private final TemplateService templates;
    private final InputImages images;
    private final RawWorkflows rawWorkflows;
    private final UrlPolicy urls;
    private final ServiceSettings settings;
    private final Clock clock;
    private final JobObserver observer;

    public SubmitService(JobStore store, ComfyUiPool pool, Dispatcher dispatcher, TemplateService templates, InputImages images,
                         RawWorkflows rawWorkflows, UrlPolicy urls, ServiceSettings settings, Clock clock, JobObserver observer) {
        this.urls = urls;
        this.store = store;
        this.pool = pool;
        this.dispatcher = dispatcher;
        this.templates = templates;
        this.images = images;
        this.rawWorkflows = rawWorkflows;
        this.settings = settings;
        this.clock = clock;
        this.observer = observer;
    }

    public SubmitResult submit(Caller caller, SubmitRequest request, String idempotencyKey) {
        JobGraph graph = request.template() == null ? raw(caller, request) : JobGraph.of(templates.bind(request.template()));
        if (request.webhook() != null) {
            try {
                urls.checkResolved(request.webhook().url());
            } catch (UrlRefusedException e) {
                throw new SubmissionRefusedException(SubmissionRefusedException.Reason.WEBHOOK_REFUSED, "webhook.url: " + e.getMessage());
            }
        }
        String userId = caller.userId();
        IdempotencyClaim claim = claim(request, idempotencyKey);
        Optional<ComfyUiClient> server = pool.choose();
        refuseForeignFiles(graph, server);
        if (!graph.images().isEmpty() && claim != null) {
            // a request seen before is answered from its job, before its images are taken a second time
            Optional<IdempotencyRecord> seen = store.findIdempotencyRecord(userId, claim.key());
            if (seen.isPresent()) {
                if (!seen.get().fingerprint().equals(claim.fingerprint())) {
                    throw keyReused();
                }
                return replay(userId, request, graph, idempotencyKey, claim, seen.get(), server);
            }
        }
        FirstAttempt first = newJob(PromptIds.newJobId(), userId, request, graph, idempotencyKey, server);
        Job job = first.job();
        CreateResult created;
        try {
            created = store.create(new NewJob(job, graph.workflow(), settings.maxActiveJobs(), claim));
        } catch (JobTooLargeException e) {
            throw new SubmissionRefusedException(SubmissionRefusedException.Reason.TOO_LARGE, e.getMessage());
        }
        switch (created.outcome()) {
            case CREATED:
                return dispatchNew(created.job(), graph.workflow(), first.graph());
            case ACTIVE_LIMIT:
                throw tooManyActive(created.activeJobs());
            case IDEMPOTENCY_MISMATCH:
                throw keyReused();
            case IDEMPOTENT_REPLAY:
                return replay(userId, request, graph, idempotencyKey, claim, created.previous(), server);
            case ID_EXISTS:
            default:
                throw new IllegalStateException("a fresh random job id collided: " + job.id());
        }
    }

    /**
     * What {@link #submit} works out of a raw workflow before it reads or writes anything, and nothing
     * more: for SnapStart priming. The graph is built and held to the file rules as if no server had
     * answered /object_info, and the request's fingerprint taken; no store, ComfyUI or URL is touched.
     */
    public void rehearse(SubmitRequest request) {
        JobGraph graph = JobGraph.raw(request);
        FileInputs.check(graph.workflow(), graph.filledByImages(), ObjectInfo.unknown());
        request.fingerprint();
    }

    private JobGraph raw(Caller caller, SubmitRequest request) {
        if (!rawWorkflows.allows(caller)) {
            throw new SubmissionRefusedException(SubmissionRefusedException.Reason.RAW_WORKFLOW_FORBIDDEN,
                    rawWorkflows == RawWorkflows.OFF ? "this service runs published templates only; raw workflows are turned off"
                            : "only admins may submit raw workflows here; run a published template instead");
        }
        return JobGraph.raw(request);
    }

    /**
     * Refuses a graph that names a file it may not read, judged by the chosen server's /object_info
     * (or by the rules alone when none answers); dispatch checks again against the server it sends to.
     */
    private void refuseForeignFiles(JobGraph graph, Optional<ComfyUiClient> server) {
        ObjectInfo nodes = server.map(s -> pool.objectInfo(s).orElse(ObjectInfo.unknown())).orElse(ObjectInfo.unknown());
        List<FileInputViolation> violations = FileInputs.check(graph.workflow(), graph.filledByImages(), nodes);
        if (!violations.isEmpty()) {
            throw new SubmissionRefusedException(SubmissionRefusedException.Reason.FILE_INPUT_NOT_ALLOWED,
                    "the workflow names files it may not read: " + String.join("; ",
                            violations.stream().limit(MAX_VIOLATIONS_SHOWN).map(FileInputViolation::message).toList())
                            + (violations.size() > MAX_VIOLATIONS_SHOWN ? "; and " + (violations.size() - MAX_VIOLATIONS_SHOWN) + " more" : ""));
        }
    }

    private SubmitResult dispatchNew(Job job, Workflow workflow, PromptGraph firstGraph) {
        observer.jobSaved(job);
        DispatchResult d;
        try {
            d = dispatcher.submitNew(job, workflow, firstGraph);
        } catch (RuntimeException e) {
            JsonLog.error("the job is stored but its submission failed half-way; recovery completes it", e, "jobId", job.id());
            return SubmitResult.accepted(job, false);
        }
        if (d.outcome() == DispatchResult.Outcome.REJECTED) {
            return SubmitResult.rejected(d.job(), false);
        }
        return SubmitResult.accepted(job, false);
    }

    private SubmitResult replay(String userId, SubmitRequest request, JobGraph graph, String idempotencyKey,
                                 IdempotencyClaim claim, IdempotencyRecord previous, Optional<ComfyUiClient> server) {
        Instant now = now();
        Optional<Job> existing = store.findById(previous.jobId());
        if (existing.isEmpty()) {
            if (previous.jobStored() || previous.createdAt().plus(ADMISSION_WINDOW).isBefore(now)) {
                throw new SubmissionRefusedException(SubmissionRefusedException.Reason.KEY_JOB_GONE, idempotencyKey != null
                        ? "the job this key created is no longer kept; use a new Idempotency-Key to run it again"
                        : "the job an identical request created is no longer kept; retry after DEDUPE_IDENTICAL_SECONDS");
            }
            if (previous.createdAt().plus(settings.dispatchLease()).isAfter(now)) {
                throw inFlight();
            }
            // The first request stored its key and died before storing the job: finish its admission.
            FirstAttempt first = newJob(previous.jobId(), userId, request, graph, idempotencyKey, server);
            CreateResult resumed = store.create(new NewJob(first.job(), graph.workflow(), settings.maxActiveJobs(), claim));
            if (resumed.outcome() == CreateResult.Outcome.CREATED) {
                return dispatchNew(resumed.job(), graph.workflow(), first.graph());
            }
            if (resumed.outcome() == CreateResult.Outcome.ACTIVE_LIMIT) {
                throw tooManyActive(resumed.activeJobs());
            }
            throw inFlight();
        }
        Job job = existing.get();
        if (job.status() == JobStatus.FAILED && job.error() != null && "comfyui_rejected".equals(job.error().type())) {
            return SubmitResult.rejected(job, true);
        }
        if (job.status() == JobStatus.QUEUED && !job.isSubmitted() && !job.isLeasedByAnotherThan(null, now)) {
            // The first request stored the job but its submission did not complete: finish it, checking
            // ComfyUI first so a submission that did get through is not sent twice.
            try {
                dispatcher.resume(job);
            } catch (RuntimeException e) {
                JsonLog.error("resuming a stored job's submission failed; recovery completes it", e, "jobId", job.id());
            }
        }
        return SubmitResult.accepted(job, true);
    }

    private IdempotencyClaim claim(SubmitRequest request, String key) {
        if (key != null) {
            if (key.isEmpty() || key.length() > MAX_KEY_LENGTH || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
                throw SubmissionRefusedException.malformed("Idempotency-Key must be 1 to " + MAX_KEY_LENGTH + " visible ASCII characters");
            }
            return new IdempotencyClaim(key, request.fingerprint(), settings.idempotencyTtl());
        }
        if (!settings.dedupeIdentical().isZero()) {
            String fingerprint = request.fingerprint();
            return new IdempotencyClaim("auto:" + fingerprint, fingerprint, settings.dedupeIdentical());
        }
        return null;
    }

    /**
     * A job in its first state, its first dispatch owned by this request under a fresh lease, and the
     * graph its first attempt sends already recorded: the dispatcher then has nothing to write before
     * sending it (the names its images are staged under are known now), and sends the graph made here
     * when staging leaves the workflow as it is. The job takes its images now: they need its id. A
     * template job names its template and seed.
     */
    private FirstAttempt newJob(String id, String userId, SubmitRequest request, JobGraph graph, String idempotencyKey,
                                Optional<ComfyUiClient> server) {
        List<JobInput> inputs = new ArrayList<>();
        for (ImageParam image : graph.images()) {
            inputs.add(images.accept(userId, id, image.param(), image.source(), image.binds()));
        }
        Instant now = now();
        Job.Builder b = Job.queued(id, userId, graph.type(), now)
                .characterId(request.characterId())
                .metadataJson(request.metadataJson())
                .idempotencyKey(idempotencyKey)
                .comfyServer(server.map(c -> c.baseUrl().toString()).orElse(null))
                .promptId(PromptIds.of(id, 1))
                .nodeCount(graph.workflow().nodeCount())
                .leaseUntil(now.plus(settings.dispatchLease()))
                .leaseOwner(Dispatcher.newLeaseOwner())
                .inputs(inputs)
                .webhook(request.webhook());
        PromptGraph sent = PromptGraph.of(id, 1, InputStaging.expected(id, 1, inputs, graph.workflow()));
        b.sentGraph(sent.sent());
        if (graph.template() != null) {
            b.template(graph.template().name(), graph.template().version()).seed(graph.template().seed());
        }
        return new FirstAttempt(b.build(), sent);
    }

    private static SubmissionRefusedException keyReused() {
        return new SubmissionRefusedException(SubmissionRefusedException.Reason.KEY_REUSED,
                "this Idempotency-Key was already used with a different request body");
    }

    private SubmissionRefusedException tooManyActive(long active) {
        return new SubmissionRefusedException(SubmissionRefusedException.Reason.TOO_MANY_ACTIVE_JOBS, "you have " + active
                + " jobs queued or running; the limit is " + settings.maxActiveJobs(), RETRY_WHEN_AT_THE_CAP);
    }

    private static SubmissionRefusedException inFlight() {
        return new SubmissionRefusedException(SubmissionRefusedException.Reason.KEY_IN_FLIGHT,
                "a request with this Idempotency-Key is still being processed; retry shortly", Duration.ofSeconds(1));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
