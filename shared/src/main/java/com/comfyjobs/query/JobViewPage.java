package com.comfyjobs.query;

import java.util.List;

/** One page of a caller's jobs, newest first; {@code nextCursor} is null on the last page. */
public record JobViewPage(List<JobView> jobs, String nextCursor) {
    public JobViewPage {
        jobs = List.copyOf(jobs);
    }
}
