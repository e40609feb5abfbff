package com.comfyjobs.comfyui;

import com.comfyjobs.job.JobFolder;
import com.comfyjobs.job.SentGraph;
import com.comfyjobs.job.Workflow;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The graph of one job attempt as it goes to ComfyUI: every saving node writes into the attempt's
 * {@link JobFolder} ({@link OutputPrefixes}), and {@link #sent()} is what the job keeps of it (its
 * {@link GraphHash}), so the finalizer can tell this graph's run from any other prompt queued under
 * the same prompt id. The same workflow, job and attempt always give the same graph and hash.
 */
public final class PromptGraph {
    private final String jobId;
    private final Workflow source;
    private final Workflow workflow;
    private final SentGraph sent;

    private PromptGraph(String jobId, Workflow source, Workflow workflow, SentGraph sent) {
        this.jobId = jobId;
        this.source = source;
        this.workflow = workflow;
        this.sent = sent;
    }

    /** {@code workflow} (the stored one, with any input images staged into it) for attempt {@code attempt} of the job. */
    public static PromptGraph of(String jobId, int attempt, Workflow workflow) {
        ObjectNode graph = WorkflowTree.of(workflow);
        OutputPrefixes.into(graph, JobFolder.of(jobId, attempt));
        return new PromptGraph(jobId, workflow, Workflow.parse(graph.toString()), new SentGraph(attempt, GraphHash.of(graph)));
    }

    /**
     * Whether this is the graph {@link #of} would make now for these arguments: made for that job and
     * attempt from that very workflow object (workflows are immutable). A submit makes its job's first
     * graph to record its hash; the dispatcher sends that graph instead of making it again.
     */
    public boolean madeFor(String jobId, int attempt, Workflow workflow) {
        return this.jobId.equals(jobId) && sent.attempt() == attempt && source == workflow;
    }

    /** What is sent as the prompt. */
    public Workflow workflow() {
        return workflow;
    }

    public SentGraph sent() {
        return sent;
    }
}
