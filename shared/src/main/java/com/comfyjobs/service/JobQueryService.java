package com.comfyjobs.service;

import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.job.InvalidCursorException;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobJson;
import com.comfyjobs.job.JobPage;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * GET /jobs/{id} and GET /jobs: a caller sees only their own jobs, and someone else's job id is
 * answered exactly like an id that does not exist. Artifact URLs are presigned per request.
 */
public final class JobQueryService {
    public static final int DEFAULT_LIMIT = 20;
    public static final int MAX_LIMIT = 100;

    private final JobStore store;
    private final ArtifactStore artifacts;

    public JobQueryService(JobStore store, ArtifactStore artifacts) {
        this.store = store;
        this.artifacts = artifacts;
    }

    public Optional<ObjectNode> get(String userId, String jobId) {
        if (!PromptIds.isJobId(jobId)) {
            return Optional.empty();
        }
        return store.findById(jobId).filter(j -> j.userId().equals(userId)).map(this::view);
    }

    /** Raw query parameters: validated here so every caller gets the same 400s. */
    public ObjectNode list(String userId, String status, String limit, String cursor) {
        Set<JobStatus> filter = EnumSet.noneOf(JobStatus.class);
        if (status != null && !status.isEmpty()) {
            for (String s : status.split(",", -1)) {
                try {
                    filter.add(JobStatus.fromWire(s.trim()));
                } catch (IllegalArgumentException e) {
                    throw ClientError.badRequest("status must be a comma-separated list of queued, running, finalizing, "
                            + "succeeded, failed, canceled, expired");
                }
            }
        }
        int n = DEFAULT_LIMIT;
        if (limit != null) {
            try {
                n = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > MAX_LIMIT) {
                throw ClientError.badRequest("limit must be an integer from 1 to " + MAX_LIMIT);
            }
        }
        if (cursor != null && (cursor.isEmpty() || cursor.length() > 512)) {
            throw ClientError.badRequest("cursor is not one this API issued");
        }
        JobPage page;
        try {
            page = store.findByUserId(userId, filter, n, cursor);
        } catch (InvalidCursorException e) {
            throw ClientError.badRequest("cursor is not one this API issued");
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        var items = out.putArray("jobs");
        for (Job j : page.jobs()) {
            items.add(view(j));
        }
        if (page.nextCursor() != null) {
            out.put("nextCursor", page.nextCursor());
        } else {
            out.putNull("nextCursor");
        }
        return out;
    }

    private ObjectNode view(Job job) {
        return JobJson.publicView(job, a -> artifacts.presign(a.key()));
    }
}
