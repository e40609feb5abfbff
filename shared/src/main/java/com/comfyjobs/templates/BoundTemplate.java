package com.comfyjobs.templates;

import com.comfyjobs.job.JobType;
import com.comfyjobs.job.Workflow;
import java.util.List;
import java.util.Objects;

/**
 * A template with a job's params in it: the workflow to run (a copy of the template's with each value
 * at its bind targets; image inputs left as the template has them, for the images to fill at
 * dispatch), the job type the template gives, the seed it runs with (null when the template has no
 * seed param) and the images to take.
 */
public record BoundTemplate(String name, int version, JobType type, Workflow workflow, Long seed, List<ImageParam> images) {
    public BoundTemplate {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(workflow, "workflow");
        images = List.copyOf(images);
    }
}
