package com.comfyjobs.query;

import com.comfyjobs.artifacts.ArtifactKeys;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobInput;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.MarkArtifactsDeletedOutcome;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.observability.JsonLog;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * DELETE /jobs/{id}/artifacts: the owner of an ended job has its files deleted from the bucket, its
 * outputs (every attempt's, the copies a failed job left behind included) and its input images (the
 * copies made for it under {@value #INPUT_COPIES}, and the owner's uploads under {@value #UPLOADS}
 * that it used). The objects go first and the job is marked after, so a request cut short in between
 * is finished by the next one; a repeated request deletes nothing more and answers the same. The job
 * itself stays readable, marked {@code artifactsDeleted}, until its retention ends.
 */
public final class DeleteArtifactsService {
    static final String INPUT_COPIES = "inputs/";
    static final String UPLOADS = "uploads/";

    private final JobStore store;
    private final ArtifactStore artifacts;

    public DeleteArtifactsService(JobStore store, ArtifactStore artifacts) {
        this.store = store;
        this.artifacts = artifacts;
    }

    /** Throws 404 for unknown and foreign ids alike, 409 while the job has not ended. */
    public void delete(String userId, String jobId) {
        if (!PromptIds.isJobId(jobId)) {
            throw new JobNotFoundException();
        }
        Job job = store.findById(jobId).filter(j -> j.userId().equals(userId)).orElseThrow(JobNotFoundException::new);
        if (!job.isTerminal()) {
            throw notEnded(job);
        }
        Set<String> keys = new LinkedHashSet<>(artifacts.keysUnder(ArtifactKeys.jobPrefix(job.userId(), job.id())));
        job.artifacts().stream().map(JobArtifact::key).forEach(keys::add);
        for (JobInput input : job.inputs()) {
            if (input.objectKey().startsWith(INPUT_COPIES) || input.objectKey().startsWith(UPLOADS)) {
                keys.add(input.objectKey());
            } else {
                JsonLog.warn("input image outside inputs/ and uploads/ left in place", "jobId", job.id(), "param", input.param());
            }
        }
        artifacts.delete(keys);
        MarkArtifactsDeletedOutcome marked = store.markArtifactsDeleted(job.id());
        if (marked == MarkArtifactsDeletedOutcome.NOT_FOUND) {
            // its retention ended while its files were being deleted: there is nothing left to show
            throw new JobNotFoundException();
        }
        JsonLog.info("artifacts deleted", "jobId", job.id(), "objects", keys.size());
    }

    private static JobNotEndedException notEnded(Job job) {
        return new JobNotEndedException("the job is " + job.status().wire() + "; its files can be deleted once it has ended");
    }
}
