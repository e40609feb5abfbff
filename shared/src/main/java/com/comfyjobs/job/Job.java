package com.comfyjobs.job;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One job, immutable. Besides the fields callers see it carries what the stores need to keep the
 * promises: {@code nodeCount}, {@code cachedNodes} and {@code finishedNodes} for the graph progress
 * fraction; {@code submittedAt}, set once there is any sign that ComfyUI has the current attempt's
 * prompt (it accepted the POST, a webhook about it arrived, or it was found in ComfyUI's queue or
 * history); {@code leaseUntil} and {@code leaseOwner}, the worker (dispatcher or finalizer) that owns
 * the job until then; and the SHA-256 and size of the workflow, which stay when the workflow itself is
 * dropped at the end of the job. A job made from a template names it ({@code template},
 * {@code templateVersion}; null and 0 for a raw workflow) and the {@code seed} it ran with, when
 * the template has a seed param; {@code inputs} are the images it takes. {@code sentGraph} is what
 * it keeps of the graph sent to ComfyUI (for the attempt it names), which the finalizer holds the
 * prompt's history to; {@code artifactsDeleted} says its owner had its files deleted (the artifact
 * list is then empty). A job submitted with a {@code webhook} keeps its {@code callbacks}' state
 * (never null for such a job, always null for one without). {@code gpuMillis} is the time its
 * attempts spent {@code running} on ComfyUI so far, summed over attempts (what usage bills).
 */
public record Job(
        String id,
        String userId,
        JobType type,
        String characterId,
        JobStatus status,
        double progress,
        String currentNode,
        Step step,
        int attempt,
        String comfyServer,
        String promptId,
        Instant createdAt,
        Instant updatedAt,
        Instant startedAt,
        Instant finishedAt,
        Instant heartbeatAt,
        Instant submittedAt,
        Instant leaseUntil,
        String leaseOwner,
        List<JobOutput> outputs,
        List<JobArtifact> artifacts,
        JobError error,
        boolean cancelRequested,
        String idempotencyKey,
        String metadataJson,
        int nodeCount,
        List<String> cachedNodes,
        List<String> finishedNodes,
        String workflowSha256,
        long workflowBytes,
        String template,
        int templateVersion,
        Long seed,
        List<JobInput> inputs,
        SentGraph sentGraph,
        boolean artifactsDeleted,
        Webhook webhook,
        Callbacks callbacks,
        long gpuMillis) {

    public Job {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(heartbeatAt, "heartbeatAt");
        if (progress < 0 || progress > 1 || Double.isNaN(progress)) {
            throw new IllegalArgumentException("progress must be within 0..1, was " + progress);
        }
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt starts at 1, was " + attempt);
        }
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
        artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
        cachedNodes = cachedNodes == null ? List.of() : List.copyOf(cachedNodes);
        finishedNodes = finishedNodes == null ? List.of() : List.copyOf(finishedNodes);
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
        if (artifactsDeleted && !artifacts.isEmpty()) {
            throw new IllegalArgumentException("a job whose artifacts were deleted lists none");
        }
        if ((template == null) != (templateVersion == 0)) {
            throw new IllegalArgumentException("a template job names its template and its version (from 1), a raw one neither");
        }
        if (webhook != null && callbacks == null) {
            callbacks = Callbacks.NONE;
        }
        if (webhook == null && callbacks != null) {
            throw new IllegalArgumentException("only a job with a webhook has callbacks");
        }
    }

    /** A fresh job in {@code queued}, first attempt, not yet accepted by ComfyUI. */
    public static Builder queued(String id, String userId, JobType type, Instant now) {
        return new Builder().id(id).userId(userId).type(type).status(JobStatus.QUEUED).attempt(1)
                .createdAt(now).updatedAt(now).heartbeatAt(now);
    }

    public boolean isTerminal() {
        return status.isTerminal();
    }

    /** True once there is any sign that ComfyUI has the current attempt's prompt. */
    public boolean isSubmitted() {
        return submittedAt != null;
    }

    /** True while a worker other than {@code owner} holds an unexpired lease on the job. */
    public boolean isLeasedByAnotherThan(String owner, Instant now) {
        return leaseUntil != null && leaseUntil.isAfter(now) && !Objects.equals(leaseOwner, owner);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builder for the many optional fields; {@link Job}'s constructor validates the result. */
    public static final class Builder {
        private String id;
        private String userId;
        private JobType type;
        private String characterId;
        private JobStatus status;
        private double progress;
        private String currentNode;
        private Step step;
        private int attempt = 1;
        private String comfyServer;
        private String promptId;
        private Instant createdAt;
        private Instant updatedAt;
        private Instant startedAt;
        private Instant finishedAt;
        private Instant heartbeatAt;
        private Instant submittedAt;
        private Instant leaseUntil;
        private String leaseOwner;
        private List<JobOutput> outputs = List.of();
        private List<JobArtifact> artifacts = List.of();
        private JobError error;
        private boolean cancelRequested;
        private String idempotencyKey;
        private String metadataJson;
        private int nodeCount;
        private List<String> cachedNodes = List.of();
        private List<String> finishedNodes = List.of();
        private String workflowSha256;
        private long workflowBytes;
        private String template;
        private int templateVersion;
        private Long seed;
        private List<JobInput> inputs = List.of();
        private SentGraph sentGraph;
        private boolean artifactsDeleted;
        private Webhook webhook;
        private Callbacks callbacks;
        private long gpuMillis;

        public Builder() {
        }

        private Builder(Job j) {
            id = j.id;
            userId = j.userId;
            type = j.type;
            characterId = j.characterId;
            status = j.status;
            progress = j.progress;
            currentNode = j.currentNode;
            step = j.step;
            attempt = j.attempt;
            comfyServer = j.comfyServer;
            promptId = j.promptId;
            createdAt = j.createdAt;
            updatedAt = j.updatedAt;
            startedAt = j.startedAt;
            finishedAt = j.finishedAt;
            heartbeatAt = j.heartbeatAt;
            submittedAt = j.submittedAt;
            leaseUntil = j.leaseUntil;
            leaseOwner = j.leaseOwner;
            outputs = j.outputs;
            artifacts = j.artifacts;
            error = j.error;
            cancelRequested = j.cancelRequested;
            idempotencyKey = j.idempotencyKey;
            metadataJson = j.metadataJson;
            nodeCount = j.nodeCount;
            cachedNodes = j.cachedNodes;
            finishedNodes = j.finishedNodes;
            workflowSha256 = j.workflowSha256;
            workflowBytes = j.workflowBytes;
            template = j.template;
            templateVersion = j.templateVersion;
            seed = j.seed;
            inputs = j.inputs;
            sentGraph = j.sentGraph;
            artifactsDeleted = j.artifactsDeleted;
            webhook = j.webhook;
            callbacks = j.callbacks;
            gpuMillis = j.gpuMillis;
        }

        public Builder id(String v) { id = v; return this; }
        public Builder userId(String v) { userId = v; return this; }
        public Builder type(JobType v) { type = v; return this; }
        public Builder characterId(String v) { characterId = v; return this; }
        public Builder status(JobStatus v) { status = v; return this; }
        public Builder progress(double v) { progress = v; return this; }
        public Builder currentNode(String v) { currentNode = v; return this; }
        public Builder step(Step v) { step = v; return this; }
        public Builder attempt(int v) { attempt = v; return this; }
        public Builder comfyServer(String v) { comfyServer = v; return this; }
        public Builder promptId(String v) { promptId = v; return this; }
        public Builder createdAt(Instant v) { createdAt = v; return this; }
        public Builder updatedAt(Instant v) { updatedAt = v; return this; }
        public Builder startedAt(Instant v) { startedAt = v; return this; }
        public Builder finishedAt(Instant v) { finishedAt = v; return this; }
        public Builder heartbeatAt(Instant v) { heartbeatAt = v; return this; }
        public Builder submittedAt(Instant v) { submittedAt = v; return this; }
        public Builder leaseUntil(Instant v) { leaseUntil = v; return this; }
        public Builder leaseOwner(String v) { leaseOwner = v; return this; }
        public Builder outputs(List<JobOutput> v) { outputs = v; return this; }
        public Builder artifacts(List<JobArtifact> v) { artifacts = v; return this; }
        public Builder error(JobError v) { error = v; return this; }
        public Builder cancelRequested(boolean v) { cancelRequested = v; return this; }
        public Builder idempotencyKey(String v) { idempotencyKey = v; return this; }
        public Builder metadataJson(String v) { metadataJson = v; return this; }
        public Builder nodeCount(int v) { nodeCount = v; return this; }
        public Builder cachedNodes(List<String> v) { cachedNodes = v; return this; }
        public Builder finishedNodes(List<String> v) { finishedNodes = v; return this; }
        public Builder workflowSha256(String v) { workflowSha256 = v; return this; }
        public Builder workflowBytes(long v) { workflowBytes = v; return this; }
        public Builder template(String name, int version) { template = name; templateVersion = version; return this; }
        public Builder seed(Long v) { seed = v; return this; }
        public Builder inputs(List<JobInput> v) { inputs = v; return this; }
        public Builder sentGraph(SentGraph v) { sentGraph = v; return this; }
        public Builder artifactsDeleted(boolean v) { artifactsDeleted = v; return this; }
        public Builder webhook(Webhook v) { webhook = v; return this; }
        public Builder callbacks(Callbacks v) { callbacks = v; return this; }
        public Builder gpuMillis(long v) { gpuMillis = v; return this; }

        public Job build() {
            return new Job(id, userId, type, characterId, status, progress, currentNode, step, attempt,
                    comfyServer, promptId, createdAt, updatedAt, startedAt, finishedAt, heartbeatAt,
                    submittedAt, leaseUntil, leaseOwner, outputs, artifacts, error, cancelRequested, idempotencyKey,
                    metadataJson, nodeCount, cachedNodes, finishedNodes, workflowSha256, workflowBytes, template,
                    templateVersion, seed, inputs, sentGraph, artifactsDeleted, webhook, callbacks, gpuMillis);
        }
    }
}
