package com.comfyjobs.observability;

import com.comfyjobs.job.Job;
import java.time.Duration;

/**
 * What the services report as they work: CloudWatch metrics and the three analytics events
 * (comfyui_job_state_saved, comfyui_job_recovered, comfyui_job_recovery_failed).
 * Implementations must be cheap and must not throw; a reporting failure never fails a request.
 */
public interface JobObserver {
    /** A job was admitted and stored (analytics: comfyui_job_state_saved). */
    void jobSaved(Job job);

    /** ComfyUI started the job: the queue wait is known. */
    void jobStarted(Job job, Duration queueWait);

    /** The job reached its terminal state (metrics: jobs by final status, duration). */
    void jobFinished(Job job);

    /** Recovery brought a job back on track (analytics: comfyui_job_recovered). */
    void jobRecovered(Job job, String how, Duration recoveryTime);

    /** Recovery could not save a job (analytics: comfyui_job_recovery_failed). */
    void recoveryFailed(Job job, String reason);

    /**
     * ComfyUI ran another graph than the job's under its prompt id, and the job was failed without
     * taking its files (metrics: OutputsNotFromThisJob): someone who can reach ComfyUI queues prompts
     * under our ids.
     */
    void outputsNotFromThisJob(Job job);

    /** One webhook event's fate: applied, duplicate, ignored or rejected. */
    void webhookEvent(String outcome);

    /**
     * How long after its sender signed it a verified webhook delivery was handled (metric
     * WebhookLag): transit, API Gateway and a cold start, to the second of webhook-timestamp and
     * with the two clocks' skew.
     */
    default void webhookLag(Duration lag) {
    }

    /** A recovery run ended with these counts. */
    void recoveryRun(RecoveryRunCounts counts);

    /**
     * One try of a callback to a caller: delivered, retried, failed (its last try: metrics
     * CallbackFailed, which an alarm watches), stopped (410 Gone), superseded or not sent.
     */
    void callbackSent(String outcome);

    /**
     * The state store answered an error that is no outage (out of memory, a failed script, a wrong
     * type): a request failed and someone has to look (metrics: StateStoreErrors).
     */
    void stateStoreError();

    /**
     * One ComfyUI server's queue as the recovery run read it (metrics QueueDepth and Running, by
     * Server): what scaling the fleet goes by. {@code server} is the server's name, never a URL that
     * may carry credentials.
     */
    default void serverLoad(String server, int pending, int running) {
    }

    /** The recovery run could not read one ComfyUI server's queue (metric ServerUnreachable, by Server). */
    default void serverUnreachable(String server) {
    }

    /** The invocation is ending: write what was collected (one EMF record) and send pending events. */
    void flush();

    /** Does nothing; for tests that observe state instead. */
    JobObserver NONE = new JobObserver() {
        @Override
        public void jobSaved(Job job) {
        }

        @Override
        public void jobStarted(Job job, Duration queueWait) {
        }

        @Override
        public void jobFinished(Job job) {
        }

        @Override
        public void jobRecovered(Job job, String how, Duration recoveryTime) {
        }

        @Override
        public void recoveryFailed(Job job, String reason) {
        }

        @Override
        public void outputsNotFromThisJob(Job job) {
        }

        @Override
        public void webhookEvent(String outcome) {
        }

        @Override
        public void recoveryRun(RecoveryRunCounts counts) {
        }

        @Override
        public void callbackSent(String outcome) {
        }

        @Override
        public void stateStoreError() {
        }

        @Override
        public void flush() {
        }
    };
}
