package com.comfyjobs.submit;

import com.comfyjobs.job.JobType;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.templates.BoundTemplate;
import com.comfyjobs.templates.ImageParam;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a POST /jobs runs, whichever way it came: the graph (the caller's raw workflow, or a template's
 * with the params bound into it), its type, the template it came from (null for a raw workflow) and
 * the images the job takes. A raw workflow's image is named by the graph input it fills.
 */
record JobGraph(Workflow workflow, JobType type, BoundTemplate template, List<ImageParam> images) {
    JobGraph {
        Objects.requireNonNull(workflow, "workflow");
        Objects.requireNonNull(type, "type");
        images = List.copyOf(images);
    }

    static JobGraph raw(SubmitRequest request) {
        return new JobGraph(request.workflow(), request.type(), null, request.images().entrySet().stream()
                .map(e -> new ImageParam(e.getKey(), e.getValue(), List.of(e.getKey()))).toList());
    }

    static JobGraph of(BoundTemplate bound) {
        return new JobGraph(bound.workflow(), bound.type(), bound, bound.images());
    }

    /** The graph inputs the job's images fill, {@code "<node id>.inputs.<input>"}: staging sets them. */
    Set<String> filledByImages() {
        Set<String> filled = new HashSet<>();
        images.forEach(i -> filled.addAll(i.binds()));
        return filled;
    }
}
