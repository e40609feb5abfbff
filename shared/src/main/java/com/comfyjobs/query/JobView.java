package com.comfyjobs.query;

import com.comfyjobs.job.Job;
import java.util.Map;

/** A job as its owner sees it: the job and a fresh download URL per artifact key. */
public record JobView(Job job, Map<String, String> artifactUrls) implements JobReading {
    public JobView {
        artifactUrls = Map.copyOf(artifactUrls);
    }
}
