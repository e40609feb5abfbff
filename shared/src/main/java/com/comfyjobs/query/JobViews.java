package com.comfyjobs.query;

import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The job as its owner sees it on GET /jobs/{id}, with a fresh download URL per artifact: the one
 * place that presigns, so every answer and every push that shows a job (callbacks, WebSocket
 * messages) comes through here. Whoever asks answers for the job being the owner's to see.
 */
public final class JobViews {
    private final ArtifactStore artifacts;

    public JobViews(ArtifactStore artifacts) {
        this.artifacts = artifacts;
    }

    public JobView of(Job job) {
        Map<String, String> urls = new LinkedHashMap<>();
        for (JobArtifact a : job.artifacts()) {
            urls.put(a.key(), artifacts.presign(a.key()));
        }
        return new JobView(job, urls);
    }
}
