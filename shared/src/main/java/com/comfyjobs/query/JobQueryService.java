package com.comfyjobs.query;

import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.job.InvalidCursorException;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobPage;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.PromptIds;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /** The caller's job with fresh artifact URLs; an id that is not a job id is not looked up. */
    public JobView get(String userId, String jobId) {
        if (!PromptIds.isJobId(jobId)) {
            throw new JobNotFoundException();
        }
        return store.findById(jobId).filter(j -> j.userId().equals(userId)).map(this::view).orElseThrow(JobNotFoundException::new);
    }

    /** Raw query parameters: validated here so every caller gets the same 400s. */
    public JobViewPage list(String userId, String status, String limit, String cursor) {
        Set<JobStatus> filter = EnumSet.noneOf(JobStatus.class);
        if (status != null && !status.isEmpty()) {
            for (String s : status.split(",", -1)) {
                try {
                    filter.add(JobStatus.fromWire(s.trim()));
                } catch (IllegalArgumentException e) {
                    throw new InvalidQueryException("status must be a comma-separated list of queued, running, finalizing, "
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
                throw new InvalidQueryException("limit must be an integer from 1 to " + MAX_LIMIT);
            }
        }
        if (cursor != null && (cursor.isEmpty() || cursor.length() > 512)) {
            throw new InvalidQueryException("cursor is not one this API issued");
        }
        JobPage page;
        try {
            page = store.findByUserId(userId, filter, n, cursor);
        } catch (InvalidCursorException e) {
            throw new InvalidQueryException("cursor is not one this API issued");
        }
        List<JobView> views = new ArrayList<>();
        for (Job j : page.jobs()) {
            views.add(view(j));
        }
        return new JobViewPage(views, page.nextCursor());
    }

    /**
     * The job as GET /jobs/{id} shows it to its owner, with fresh artifact URLs: what pushes to the owner's
     * live listeners carry. The caller answers for the job being the owner's to see.
     */
    public JobView view(Job job) {
        Map<String, String> urls = new LinkedHashMap<>();
        for (JobArtifact a : job.artifacts()) {
            urls.put(a.key(), artifacts.presign(a.key()));
        }
        return new JobView(job, urls);
    }
}
