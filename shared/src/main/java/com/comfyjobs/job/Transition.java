package com.comfyjobs.job;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One atomic, guarded change to a job: the guards (expected status and attempt, an event id applied
 * at most once, a free lease or one's own) are checked and the changes written in one step, so
 * concurrent webhooks, recovery runs and API calls never interleave inside a change. Every applied
 * transition also refreshes the job's heartbeat.
 *
 * <p>A status change is checked against {@link JobStatus}'s rules: asking for the status the job
 * already has changes nothing about the status (the other changes still apply); asking for one the
 * rules do not allow from the current status is a {@link TransitionOutcome#STATUS_CONFLICT}.
 *
 * <p>Each transition carries a random operation id that the store keeps with the job when it applies
 * it. A client library may send a command again after a reconnect when its reply was lost; the store
 * recognises its own id and answers {@link TransitionOutcome#APPLIED} with the job as it is, instead of
 * judging the same write a second time against the state the first one left.
 */
public final class Transition {
    /** Resubmission of a lost prompt as the next attempt, on {@code server} with {@code promptId}. */
    public record Requeue(int attempt, String server, String promptId) {
        public Requeue {
            Objects.requireNonNull(server, "server");
            Objects.requireNonNull(promptId, "promptId");
        }
    }

    private static final SecureRandom OP_IDS = new SecureRandom();

    private final String jobId;
    private final Instant now;
    private final String opId;
    private final Set<JobStatus> expectStatus;
    private final Integer expectAttempt;
    private final Instant expectUpdatedAt;
    private final String eventId;
    private final Duration eventTtl;
    private final Instant acquireLeaseUntil;
    private final String leaseOwner;
    private final String underLease;
    private final boolean releaseLease;
    private final JobStatus status;
    private final JobStatus statusIfCancelRequested;
    private final Requeue requeue;
    private final Double progress;
    private final GraphUpdate graph;
    private final List<JobOutput> addOutputs;
    private final int maxOutputs;
    private final List<JobArtifact> artifacts;
    private final JobError error;
    private final boolean requestCancel;
    private final boolean markSubmitted;
    private final boolean observed;
    private final String comfyServer;
    private final String characterId;
    private final String metadataJson;
    private final SentGraph sentGraph;
    private final boolean returnJob;
    private final boolean returnJobWhenActedOn;

    private Transition(Builder b) {
        jobId = Objects.requireNonNull(b.jobId, "jobId");
        now = Objects.requireNonNull(b.now, "now");
        opId = Long.toUnsignedString(OP_IDS.nextLong(), 36);
        expectStatus = b.expectStatus == null ? null : Set.copyOf(b.expectStatus);
        expectAttempt = b.expectAttempt;
        expectUpdatedAt = b.expectUpdatedAt;
        eventId = b.eventId;
        eventTtl = b.eventTtl;
        acquireLeaseUntil = b.acquireLeaseUntil;
        leaseOwner = b.leaseOwner;
        underLease = b.underLease;
        releaseLease = b.releaseLease;
        List<JobOutput> outputs = b.addOutputs == null ? List.of() : List.copyOf(b.addOutputs);
        maxOutputs = b.maxOutputs;
        // a list over the cap by itself fails the job here: the store never has to read it
        boolean overflow = !outputs.isEmpty() && (outputs.size() > maxOutputs || JobOutput.listBytes(outputs) > JobOutput.LIST_MAX_BYTES);
        addOutputs = overflow ? List.of() : outputs;
        status = overflow ? JobStatus.FAILED : b.status;
        statusIfCancelRequested = overflow ? null : b.statusIfCancelRequested;
        requeue = b.requeue;
        progress = b.progress;
        graph = b.graph;
        artifacts = b.artifacts == null ? null : List.copyOf(b.artifacts);
        error = overflow ? JobError.tooManyOutputs(maxOutputs) : b.error;
        requestCancel = b.requestCancel;
        markSubmitted = b.markSubmitted;
        observed = b.observed;
        comfyServer = b.comfyServer;
        characterId = b.characterId;
        metadataJson = b.metadataJson;
        sentGraph = b.sentGraph;
        returnJob = b.returnJob;
        returnJobWhenActedOn = b.returnJobWhenActedOn;
        if (status != null && requeue != null) {
            throw new IllegalArgumentException("a transition either sets a status or requeues, not both");
        }
        if (statusIfCancelRequested != null && status == null) {
            throw new IllegalArgumentException("statusIfCancelRequested needs a status");
        }
        if (eventId != null && (eventTtl == null || eventTtl.isNegative() || eventTtl.isZero())) {
            throw new IllegalArgumentException("an event id needs a positive ttl");
        }
        if (progress != null && (progress < 0 || progress > 1 || progress.isNaN())) {
            throw new IllegalArgumentException("progress must be within 0..1, was " + progress);
        }
        if (!addOutputs.isEmpty() && maxOutputs < 1) {
            throw new IllegalArgumentException("outputs are added with a cap on their number");
        }
    }

    public static Builder of(String jobId, Instant now) {
        return new Builder(jobId, now);
    }

    public String jobId() { return jobId; }
    public Instant now() { return now; }
    public String opId() { return opId; }
    public Set<JobStatus> expectStatus() { return expectStatus; }
    public Integer expectAttempt() { return expectAttempt; }
    public Instant expectUpdatedAt() { return expectUpdatedAt; }
    public String eventId() { return eventId; }
    public Duration eventTtl() { return eventTtl; }
    public Instant acquireLeaseUntil() { return acquireLeaseUntil; }
    public String leaseOwner() { return leaseOwner; }
    public String underLease() { return underLease; }
    public boolean releaseLease() { return releaseLease; }
    public JobStatus status() { return status; }
    public JobStatus statusIfCancelRequested() { return statusIfCancelRequested; }
    public Requeue requeue() { return requeue; }
    public Double progress() { return progress; }
    public GraphUpdate graph() { return graph; }
    public List<JobOutput> addOutputs() { return addOutputs; }
    public int maxOutputs() { return maxOutputs; }
    public List<JobArtifact> artifacts() { return artifacts; }
    public JobError error() { return error; }
    public boolean requestCancel() { return requestCancel; }
    public boolean markSubmitted() { return markSubmitted; }
    public boolean observed() { return observed; }
    public String comfyServer() { return comfyServer; }
    public String characterId() { return characterId; }
    public String metadataJson() { return metadataJson; }
    public SentGraph sentGraph() { return sentGraph; }
    public boolean returnJob() { return returnJob; }
    public boolean returnJobWhenActedOn() { return returnJobWhenActedOn; }

    /**
     * Whether the answer carries the job, given the status before and the job after an applied change
     * (every store follows this rule; a push to live listeners adds the job too).
     */
    public boolean answersWithJob(JobStatus before, Job after) {
        if (returnJob) {
            return true;
        }
        if (!returnJobWhenActedOn) {
            return false;
        }
        CallbackDelivery waiting = after.callbacks() == null ? null : after.callbacks().pending();
        return after.status() != before || waiting != null && waiting.attempts() == 0 && !waiting.due().isAfter(now);
    }

    /**
     * Whether the change is one the job's owner can see in GET /jobs/{id} (status, attempt, progress,
     * nodes, outputs, artifacts, error, cancel request, character, metadata), which is what live
     * listeners are pushed; leases, heartbeats and bookkeeping are not.
     */
    public boolean visibleToOwner() {
        return status != null || requeue != null || progress != null || graph != null || !addOutputs.isEmpty() || artifacts != null
                || error != null || requestCancel || characterId != null || metadataJson != null;
    }

    /** Fluent construction; only {@code jobId} and {@code now} are required. */
    public static final class Builder {
        private final String jobId;
        private final Instant now;
        private Set<JobStatus> expectStatus;
        private Integer expectAttempt;
        private Instant expectUpdatedAt;
        private String eventId;
        private Duration eventTtl;
        private Instant acquireLeaseUntil;
        private String leaseOwner;
        private String underLease;
        private boolean releaseLease;
        private JobStatus status;
        private JobStatus statusIfCancelRequested;
        private Requeue requeue;
        private Double progress;
        private GraphUpdate graph;
        private List<JobOutput> addOutputs;
        private int maxOutputs;
        private List<JobArtifact> artifacts;
        private JobError error;
        private boolean requestCancel;
        private boolean markSubmitted;
        private boolean observed;
        private String comfyServer;
        private String characterId;
        private String metadataJson;
        private SentGraph sentGraph;
        private boolean returnJob;
        private boolean returnJobWhenActedOn;

        private Builder(String jobId, Instant now) {
            this.jobId = jobId;
            this.now = now;
        }

        /** Applies only while the job is in one of these states. */
        public Builder expectStatus(JobStatus first, JobStatus... rest) {
            expectStatus = EnumSet.of(first, rest);
            return this;
        }

        public Builder expectStatus(Set<JobStatus> statuses) {
            expectStatus = EnumSet.copyOf(statuses);
            return this;
        }

        /** Applies only to this attempt: events of superseded attempts change nothing. */
        public Builder expectAttempt(int attempt) {
            expectAttempt = attempt;
            return this;
        }

        /**
         * Applies only if the job has not changed since it was read (its updatedAt is still this):
         * a decision taken on a snapshot, like recovery's, is not applied to a job that moved on.
         */
        public Builder expectUnchangedSince(Instant updatedAt) {
            expectUpdatedAt = updatedAt;
            return this;
        }

        /** Applies at most once per event id; the id is remembered for {@code ttl}. */
        public Builder eventId(String id, Duration ttl) {
            eventId = id;
            eventTtl = ttl;
            return this;
        }

        /**
         * Applies only if no worker but {@code owner} holds an unexpired lease, and gives {@code owner}
         * the lease until then (its own lease is extended).
         */
        public Builder acquireLease(String owner, Instant until) {
            leaseOwner = Objects.requireNonNull(owner, "owner");
            acquireLeaseUntil = Objects.requireNonNull(until, "until");
            return this;
        }

        /**
         * Applies only while {@code owner} holds an unexpired lease ({@link TransitionOutcome#LEASE_LOST}
         * otherwise): a worker whose lease ran out, or was taken over, writes nothing.
         */
        public Builder underLease(String owner) {
            underLease = Objects.requireNonNull(owner, "owner");
            return this;
        }

        public Builder releaseLease() {
            releaseLease = true;
            return this;
        }

        public Builder status(JobStatus s) {
            status = s;
            return this;
        }

        /** The status to take instead of {@link #status} when the caller had asked to cancel. */
        public Builder statusIfCancelRequested(JobStatus s) {
            statusIfCancelRequested = s;
            return this;
        }

        public Builder requeue(int attempt, String server, String promptId) {
            requeue = new Requeue(attempt, server, promptId);
            return this;
        }

        /** Progress only ever rises: a lower value than the stored one is ignored. */
        public Builder progress(double p) {
            progress = p;
            return this;
        }

        public Builder graph(GraphUpdate g) {
            graph = g;
            return this;
        }

        /**
         * Merges these outputs with the stored ones (a file reported twice is one output). When the job
         * would then have more than {@code max}, none is added and the job fails instead
         * ({@code too_many_outputs}): one job cannot make every later change to it slower.
         */
        public Builder addOutputs(List<JobOutput> outputs, int max) {
            addOutputs = outputs;
            maxOutputs = max;
            return this;
        }

        public Builder artifacts(List<JobArtifact> a) {
            artifacts = a;
            return this;
        }

        public Builder error(JobError e) {
            error = e;
            return this;
        }

        public Builder requestCancel() {
            requestCancel = true;
            return this;
        }

        /** ComfyUI accepted the current attempt's prompt; also releases the dispatch lease. */
        public Builder markSubmitted() {
            markSubmitted = true;
            return this;
        }

        /**
         * ComfyUI was seen with the current attempt's prompt (a webhook about it, or it was found in its
         * queue or history): the attempt counts as submitted from now on. The lease is left alone.
         */
        public Builder observed() {
            observed = true;
            return this;
        }

        public Builder comfyServer(String server) {
            comfyServer = server;
            return this;
        }

        public Builder characterId(String id) {
            characterId = id;
            return this;
        }

        /** Replaces the caller's metadata (a JSON object, as text). */
        public Builder metadataJson(String m) {
            metadataJson = m;
            return this;
        }

        /** Records the graph about to be sent to ComfyUI for an attempt (see {@link SentGraph}). */
        public Builder sentGraph(SentGraph g) {
            sentGraph = g;
            return this;
        }

        /** Returns the whole job after the change (free: it comes back in the same round trip). */
        public Builder returnJob() {
            returnJob = true;
            return this;
        }

        /**
         * Returns the job after the change only when its status changed or a callback delivery waits
         * for its first try now: what a webhook event acts on. A progress event that does neither gets
         * its answer without the job's fields, the bulk of the bytes Redis would send back.
         */
        public Builder returnJobWhenActedOn() {
            returnJobWhenActedOn = true;
            return this;
        }

        public Transition build() {
            return new Transition(this);
        }
    }
}
