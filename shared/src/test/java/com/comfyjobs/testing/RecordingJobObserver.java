package com.comfyjobs.testing;

import com.comfyjobs.job.Job;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.observability.RecoveryRunCounts;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link JobObserver} that keeps what tests assert on: the jobs whose outputs were refused as not their own, the callbacks' tries. */
public final class RecordingJobObserver implements JobObserver {
    private final List<String> outputsNotFromThisJob = new CopyOnWriteArrayList<>();
    private final List<String> callbacks = new CopyOnWriteArrayList<>();
    private final List<String> serverLoads = new CopyOnWriteArrayList<>();
    private final List<Duration> webhookLags = new CopyOnWriteArrayList<>();

    /** The lag of each verified webhook delivery, in order (the metric WebhookLag). */
    public List<Duration> webhookLags() {
        return List.copyOf(webhookLags);
    }

    @Override
    public void webhookLag(Duration lag) {
        webhookLags.add(lag);
    }

    /**
     * Each server load reported, in order: {@code "<server> pending=<n> running=<n>"}, or
     * {@code "<server> unreachable"} (the metrics QueueDepth, Running and ServerUnreachable).
     */
    public List<String> serverLoads() {
        return List.copyOf(serverLoads);
    }

    @Override
    public void serverLoad(String server, int pending, int running) {
        serverLoads.add(server + " pending=" + pending + " running=" + running);
    }

    @Override
    public void serverUnreachable(String server) {
        serverLoads.add(server + " unreachable");
    }

    /** The outcome of each callback try, in order (the metric Callback&lt;Outcome&gt; counts them). */
    public List<String> callbacks() {
        return List.copyOf(callbacks);
    }

    @Override
    public void callbackSent(String outcome) {
        callbacks.add(outcome);
    }

    /** Ids of the jobs reported, in order. */
    public List<String> outputsNotFromThisJob() {
        return List.copyOf(outputsNotFromThisJob);
    }

    @Override
    public void outputsNotFromThisJob(Job job) {
        outputsNotFromThisJob.add(job.id());
    }

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
    public void webhookEvent(String outcome) {
    }

    @Override
    public void recoveryRun(RecoveryRunCounts counts) {
    }

    @Override
    public void stateStoreError() {
    }

    @Override
    public void flush() {
    }
}
