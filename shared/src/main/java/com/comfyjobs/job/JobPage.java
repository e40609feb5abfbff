package com.comfyjobs.job;

import java.util.List;

/** One page of a user's jobs, newest first; {@code nextCursor} is null on the last page. */
public record JobPage(List<Job> jobs, String nextCursor) {
    public JobPage {
        jobs = List.copyOf(jobs);
    }
}
