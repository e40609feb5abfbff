package com.comfyjobs.progress;

import com.comfyjobs.artifacts.ArtifactCopyException;
import com.comfyjobs.artifacts.ArtifactKeys;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.Download;
import com.comfyjobs.comfyui.DownloadResult;
import com.comfyjobs.comfyui.HistoryEntry;
import com.comfyjobs.comfyui.Reply;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobError;
import com.comfyjobs.job.JobOutput;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.TransitionResult;
import com.comfyjobs.live.LiveUpdates;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.observability.JsonLog;
import com.comfyjobs.submit.Dispatcher;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns a finalizing job into a succeeded one: copies every output file ComfyUI listed (type
 * "output") to S3 under stable keys, then records the artifacts in the same transition that marks
 * the job succeeded. Works within a time budget; whatever stops it (budget, S3, ComfyUI) leaves the
 * job finalizing for the next try, which overwrites rather than duplicates (and skips files already
 * copied whole). One finalizer at a time per job, by lease. ComfyUI's history is the only complete
 * list of a prompt's outputs (the executed events that also list them may have been lost), so a job
 * whose history ComfyUI forgot (a restart, the history cap) is never declared succeeded: recovery
 * runs it again. Every way into finalization (the execution_success webhook, recovery finding the
 * prompt finished, an overrun job's last copy) comes through here, and here a history entry that is
 * not the job's own run ({@link OutputOwnership}) fails the job without copying anything.
 */
public final class Finalizer {
    /** The lease outlasts the copy's time budget by this much: the last write of a copy is still fenced by it. */
    private static final Duration LEASE_MARGIN = Duration.ofSeconds(30);
    /** The error type of a job whose prompt id ran someone else's graph. */
    static final String OUTPUTS_NOT_FROM_THIS_JOB = "outputs_not_from_this_job";

    private final JobStore store;
    private final ComfyUiPool pool;
    private final ArtifactStore artifacts;
    private final Clock clock;
    private final JobObserver observer;
    private final LiveUpdates live;

    /** Without live pushes. */
    public Finalizer(JobStore store, ComfyUiPool pool, ArtifactStore artifacts, Clock clock, JobObserver observer) {
        this(store, pool, artifacts, clock, observer, LiveUpdates.NONE);
    }

    /** {@code live}: the end of the job (succeeded, or failed here) is pushed to its live listeners (WebSocket). */
    public Finalizer(JobStore store, ComfyUiPool pool, ArtifactStore artifacts, Clock clock, JobObserver observer, LiveUpdates live) {
        this.live = live;
        this.store = store;
        this.pool = pool;
        this.artifacts = artifacts;
        this.clock = clock;
        this.observer = observer;
    }

    public FinalizeOutcome finalize(Job job, Duration budget) {
        Instant start = now();
        Instant deadline = start.plus(budget);
        TransitionResult claim = store.transition(Transition.of(job.id(), start).expectStatus(JobStatus.FINALIZING)
                .expectAttempt(job.attempt()).acquireLease(Dispatcher.newLeaseOwner(), deadline.plus(LEASE_MARGIN))
                .returnJob().build());
        if (!claim.applied()) {
            return FinalizeOutcome.SKIPPED;
        }
        job = claim.job();
        ComfyUiClient client = pool.client(job.comfyServer());
        Reply<Optional<HistoryEntry>> history = client.history(job.promptId());
        if (!(history instanceof Reply.Ok<Optional<HistoryEntry>> ok)) {
            return release(job, "ComfyUI did not answer the history request");
        }
        if (ok.value().isEmpty()) {
            release(job, "ComfyUI no longer has the prompt's history; its outputs are unknown");
            return FinalizeOutcome.OUTPUTS_FORGOTTEN;
        }
        HistoryEntry entry = ok.value().get();
        Optional<String> foreign = OutputOwnership.mismatch(job, entry);
        if (foreign.isPresent()) {
            return refuse(job, client, foreign.get());
        }
        List<JobOutput> outputs = entry.deliverables();
        List<JobArtifact> copied = new ArrayList<>();
        for (JobOutput o : outputs) {
            if (now().isAfter(deadline)) {
                return release(job, "time budget used up after " + copied.size() + " of " + outputs.size() + " outputs");
            }
            // every output taken lies in the attempt's own folder, which the key names already
            String key = ArtifactKeys.key(job.userId(), job.id(), job.attempt(), o.node(), "", o.filename());
            Optional<JobArtifact> a;
            try {
                a = copy(client, o, key);
            } catch (ArtifactCopyException | SdkException e) {
                return release(job, "copy failed: " + e.getMessage());
            }
            if (a == null) {
                return fail(job, JobError.of("output_unavailable", "ComfyUI refuses to serve output " + o.filename()));
            }
            if (a.isEmpty()) {
                return release(job, "output " + o.filename() + " is not (yet) served by ComfyUI");
            }
            copied.add(a.get());
        }
        TransitionResult done = store.transition(Transition.of(job.id(), now()).expectStatus(JobStatus.FINALIZING)
                .expectAttempt(job.attempt()).underLease(job.leaseOwner()).status(JobStatus.SUCCEEDED).artifacts(copied)
                .returnJob().build());
        live.push(done);
        if (done.becameTerminal()) {
            observer.jobFinished(done.job());
            return FinalizeOutcome.SUCCEEDED;
        }
        return FinalizeOutcome.SKIPPED;
    }

    /**
     * @return the artifact; empty when ComfyUI cannot serve the file now (404, unreachable); null when
     *         it refuses the name for good (400/403)
     */
    private Optional<JobArtifact> copy(ComfyUiClient client, JobOutput o, String key) throws ArtifactCopyException {
        long existing = artifacts.sizeOf(key);
        DownloadResult r = client.download(o.filename(), o.subfolder(), o.type());
        if (r instanceof DownloadResult.Refused) {
            return null;
        }
        if (!(r instanceof DownloadResult.Found found)) {
            return Optional.empty();
        }
        try (Download d = found.download()) {
            if (existing >= 0 && existing == d.contentLength()) {
                return Optional.of(new JobArtifact(key, o.filename(), d.contentType(), existing));
            }
            return Optional.of(artifacts.copy(d.body(), d.contentLength(), d.contentType(), key, o.filename()));
        } catch (IOException e) {
            throw new ArtifactCopyException("closing the download of " + o.filename() + " failed", e);
        }
    }

    private FinalizeOutcome release(Job job, String reason) {
        JsonLog.warn("finalization incomplete", "jobId", job.id(), "reason", reason);
        store.transition(Transition.of(job.id(), now()).expectStatus(JobStatus.FINALIZING).expectAttempt(job.attempt())
                .underLease(job.leaseOwner()).releaseLease().build());
        return FinalizeOutcome.INCOMPLETE;
    }

    /**
     * What history lists under the job's prompt id is not the job's own run: its files are someone
     * else's and none is taken. The job fails, and its own prompt, which may still wait or run under
     * the same id, is stopped: taken out of the queue, then interrupted should it run. No lookup
     * first: with two prompts under one id, history answers for the one that finished.
     */
    private FinalizeOutcome refuse(Job job, ComfyUiClient client, String differs) {
        JsonLog.warn("outputs not from this job", "jobId", job.id(), "promptId", job.promptId(), "differs", differs);
        observer.outputsNotFromThisJob(job);
        FinalizeOutcome failed = fail(job, JobError.of(OUTPUTS_NOT_FROM_THIS_JOB, "ComfyUI ran another graph than this job's under its"
                + " prompt id (someone else queued a prompt under it); none of its outputs were taken"));
        client.deletePending(job.promptId());
        client.interrupt(job.promptId());
        return failed;
    }

    private FinalizeOutcome fail(Job job, JobError error) {
        TransitionResult r = store.transition(Transition.of(job.id(), now()).expectStatus(JobStatus.FINALIZING)
                .expectAttempt(job.attempt()).underLease(job.leaseOwner()).status(JobStatus.FAILED).error(error).returnJob().build());
        live.push(r);
        if (r.becameTerminal()) {
            observer.jobFinished(r.job());
        }
        return FinalizeOutcome.FAILED;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
