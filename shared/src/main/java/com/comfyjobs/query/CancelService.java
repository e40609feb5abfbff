package com.comfyjobs.query;

import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.PromptStopper;
import com.comfyjobs.comfyui.StopResult;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.TransitionResult;
import com.comfyjobs.live.LiveUpdates;
import com.comfyjobs.observability.JobObserver;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * DELETE /jobs/{id}. The cancel request is recorded first, so whatever answers next (a dispatcher
 * about to send it, a webhook, recovery) honours it. Then the job's prompt is stopped wherever ComfyUI
 * may have it: whether or not its submission was confirmed, a job that was given a server may be
 * there (the answer to POST /prompt can be lost). A prompt found pending is removed and the job
 * canceled at once; a running one is interrupted and the job turns canceled when ComfyUI confirms
 * (its execution_interrupted webhook, or recovery reading history). Only a job that nothing was ever
 * sent for, and that no dispatcher is sending now, is canceled without asking ComfyUI.
 */
public final class CancelService {
    private final JobStore store;
    private final PromptStopper stopper;
    private final Clock clock;
    private final JobObserver observer;
    private final LiveUpdates live;

    /** Without live pushes. */
    public CancelService(JobStore store, ComfyUiPool pool, Clock clock, JobObserver observer) {
        this(store, pool, clock, observer, LiveUpdates.NONE);
    }

    /** {@code live}: the cancel request and the cancel are pushed to the job's live listeners (WebSocket). */
    public CancelService(JobStore store, ComfyUiPool pool, Clock clock, JobObserver observer, LiveUpdates live) {
        this.live = live;
        this.store = store;
        this.stopper = new PromptStopper(pool);
        this.clock = clock;
        this.observer = observer;
    }

    /**
     * @return the job after the request (a job canceled already is answered as it is); throws 404 for
     *         unknown or foreign ids and 409 when it ended otherwise or is saving its outputs
     */
    public Job cancel(String userId, String jobId) {
        if (!PromptIds.isJobId(jobId)) {
            throw new JobNotFoundException();
        }
        Job job = store.findById(jobId).filter(j -> j.userId().equals(userId)).orElseThrow(JobNotFoundException::new);
        if (job.status() == JobStatus.CANCELED) {
            // DELETE is idempotent: a client that lost the answer to its first cancel asks again
            return job;
        }
        if (!job.status().isCancelable()) {
            throw tooLate(job);
        }
        TransitionResult asked = store.transition(Transition.of(jobId, now()).expectStatus(JobStatus.QUEUED, JobStatus.RUNNING)
                .requestCancel().returnJob().build());
        live.push(asked);
        if (!asked.applied()) {
            Job now = store.findById(jobId).orElse(job);
            if (now.status() == JobStatus.CANCELED) {
                return now;
            }
            throw tooLate(now);
        }
        job = asked.job();
        boolean dispatchInFlight = !job.isSubmitted() && job.isLeasedByAnotherThan(null, now());
        if (job.comfyServer() == null && !job.isSubmitted()) {
            // nothing was sent anywhere; a dispatcher that takes the job from here on sees the cancel first
            return dispatchInFlight ? job : cancelNow(job);
        }
        StopResult stop = stopper.stop(job.promptId(), job.comfyServer());
        if (stop.outcome() == StopResult.Outcome.GONE && !dispatchInFlight) {
            return cancelNow(job);
        }
        boolean onComfyUi = stop.outcome() == StopResult.Outcome.INTERRUPTED || stop.outcome() == StopResult.Outcome.FINISHED;
        if (onComfyUi && !job.isSubmitted()) {
            // its submission was never confirmed: record that ComfyUI has it, so it is settled like any submitted job
            TransitionResult seen = store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt())
                    .expectStatus(JobStatus.QUEUED, JobStatus.RUNNING).observed().returnJob().build());
            if (seen.applied()) {
                job = seen.job();
            }
        }
        // running (interrupted now), finished (its webhook settles it), a server that did not answer
        // (recovery settles it), or a dispatcher still sending (it takes the prompt back out)
        return job;
    }

    private Job cancelNow(Job job) {
        TransitionResult r = store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt())
                .expectStatus(JobStatus.QUEUED, JobStatus.RUNNING).status(JobStatus.CANCELED).returnJob().build());
        live.push(r);
        if (r.becameTerminal()) {
            observer.jobFinished(r.job());
            return r.job();
        }
        return store.findById(job.id()).orElse(job);
    }

    private static CancelRefusedException tooLate(Job job) {
        String detail = job.status() == JobStatus.FINALIZING
                ? "the job has finished running on ComfyUI and its outputs are being saved"
                : "the job is already " + job.status().wire();
        return new CancelRefusedException(detail);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
