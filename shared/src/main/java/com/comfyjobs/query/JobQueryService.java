package com.comfyjobs.query;

import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.job.InvalidCursorException;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobPage;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.StateStoreUnavailableException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * GET /jobs/{id} and GET /jobs: a caller sees only their own jobs, and someone else's job id is
 * answered exactly like an id that does not exist. Artifact URLs are presigned per request. While the
 * store is unreachable, {@link #read} answers from ComfyUI what it can ({@link ComfyUiJobLookup}).
 */
public final class JobQueryService {
    public static final int DEFAULT_LIMIT = 20;
    public static final int MAX_LIMIT = 100;

    private final JobStore store;
    private final JobViews views;
    private final ComfyUiJobLookup comfyUi;

    /**
     * @param pool        the ComfyUI servers, built only when the store is down and a job is read
     * @param maxAttempts how many attempts a job may have had (MAX_ATTEMPTS): the prompt ids to look for
     */
    public JobQueryService(JobStore store, ArtifactStore artifacts, Supplier<ComfyUiPool> pool, int maxAttempts, Clock clock) {
        this.store = store;
        this.views = new JobViews(artifacts);
        this.comfyUi = new ComfyUiJobLookup(pool, maxAttempts, clock);
    }

    /** The caller's job with fresh artifact URLs; an id that is not a job id is not looked up. */
    public JobView get(String userId, String jobId) {
        if (!PromptIds.isJobId(jobId)) {
            throw new JobNotFoundException();
        }
        return store.findById(jobId).filter(j -> j.userId().equals(userId)).map(this::view).orElseThrow(JobNotFoundException::new);
    }

    /**
     * GET /jobs/{id}: {@link #get}, or, while the store is unreachable, the job as ComfyUI shows it
     * when its prompt there names this caller (another user's is not found, as always); when ComfyUI
     * shows nothing either, the outage stands (503).
     */
    public JobReading read(String userId, String jobId) {
        try {
            return get(userId, jobId);
        } catch (StateStoreUnavailableException outage) {
            ComfyUiJobLookup.Found found = comfyUi.find(userId, jobId);
            if (found instanceof ComfyUiJobLookup.Found.Owned owned) {
                return owned.view();
            }
            if (found instanceof ComfyUiJobLookup.Found.NotOwned) {
                throw new JobNotFoundException();
            }
            throw outage;
        }
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

    private JobView view(Job job) {
        return views.of(job);
    }
}
