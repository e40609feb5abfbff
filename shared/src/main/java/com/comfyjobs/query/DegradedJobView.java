package com.comfyjobs.query;

import com.comfyjobs.job.JobError;
import com.comfyjobs.job.JobStatus;
import java.util.Objects;

/**
 * A job read from ComfyUI while the store is unreachable: the status its newest attempt there shows,
 * the progress when ComfyUI tells it (null otherwise), that attempt, and ComfyUI's error for a failed
 * one. A prompt ComfyUI finished is {@code finalizing}: its outputs are copied, and the job said
 * succeeded, only once the store is back. Never artifacts.
 */
public record DegradedJobView(String jobId, JobStatus status, Double progress, int attempt, JobError error) implements JobReading {
    public DegradedJobView {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(status, "status");
    }
}
