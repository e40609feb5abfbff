package com.comfyjobs.submit;

import com.comfyjobs.job.JobError;
import com.comfyjobs.job.Workflow;

/**
 * What staging a job's input images on its server came to: the graph to send (the images uploaded
 * and set into the inputs they fill), a server or bucket that did not answer (try again later), or a
 * reason the job cannot run (its image is gone, its graph names files it may not read).
 */
sealed interface StagingResult permits StagingResult.Staged, StagingResult.Unavailable, StagingResult.Failed {
    record Staged(Workflow workflow) implements StagingResult {
    }

    record Unavailable(String reason) implements StagingResult {
    }

    record Failed(JobError error) implements StagingResult {
    }
}
