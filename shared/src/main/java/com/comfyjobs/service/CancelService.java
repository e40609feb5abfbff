package com.comfyjobs.service;

import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.TransitionResult;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * DELETE /jobs/{id}. A job ComfyUI never accepted, or that still waits in ComfyUI's queue, is
 * canceled at once (after taking it out of the queue); a running one is interrupted and turns
 * canceled when ComfyUI confirms (its execution_interrupted webhook, or recovery reading history).
 * The cancel request is recorded first, so whatever answers next (webhook, recovery) honours it.
 */
public final class CancelService {
    private final JobStore store;
    private final ComfyUiPool pool;
    private final Clock clock;
    private final JobObserver observer;

    public CancelService(JobStore store, ComfyUiPool pool, Clock clock, JobObserver observer) {
        this.store = store;
        this.pool = pool;
        this.clock = clock;
        this.observer = observer;
    }

    /** @return the job after the request; throws 404 for unknown or foreign ids and 409 when too late */
    public Job cancel(String userId, String jobId) {
        if (!PromptIds.isJobId(jobId)) {
            throw ClientError.notFound();
        }
        Job job = store.findById(jobId).filter(j -> j.userId().equals(userId)).orElseThrow(ClientError::notFound);
        if (!job.status().isCancelable()) {
            throw tooLate(job);
        }
        TransitionResult asked = store.transition(Transition.of(jobId, now()).expectStatus(JobStatus.QUEUED, JobStatus.RUNNING)
                .requestCancel().returnJob().build());
        if (!asked.applied()) {
            throw tooLate(store.findById(jobId).orElse(job));
        }
        job = asked.job();
        if (!job.isSubmitted()) {
            return cancelNow(job);
        }
        ComfyUiClient client = pool.client(job.comfyServer());
        if (job.status() == JobStatus.QUEUED) {
            client.deletePending(job.promptId());
        }
        PromptLocation where = PromptLocation.find(client, job.promptId());
        switch (where.place()) {
            case ABSENT:
                return cancelNow(job);
            case RUNNING:
                client.interrupt(job.promptId());
                return job;
            case PENDING:
                // another client may have moved it up; take it out again and settle now if that worked
                client.deletePending(job.promptId());
                return PromptLocation.find(client, job.promptId()).place() == PromptLocation.Place.ABSENT ? cancelNow(job) : job;
            default:
                // finished already (the webhook will settle it) or ComfyUI is unreachable (recovery will)
                return job;
        }
    }

    private Job cancelNow(Job job) {
        TransitionResult r = store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt())
                .expectStatus(JobStatus.QUEUED, JobStatus.RUNNING).status(JobStatus.CANCELED).returnJob().build());
        if (r.becameTerminal()) {
            observer.jobFinished(r.job());
            return r.job();
        }
        return store.findById(job.id()).orElse(job);
    }

    private static ClientError tooLate(Job job) {
        String detail = job.status() == JobStatus.FINALIZING
                ? "the job has finished running on ComfyUI and its outputs are being saved"
                : "the job is already " + job.status().wire();
        return new ClientError(409, "Job cannot be canceled", detail);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
