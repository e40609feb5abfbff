package com.comfyjobs.job;

import java.util.List;
import java.util.Objects;

/**
 * An image the job takes as input. Its bytes wait in the bucket under {@code objectKey} (an upload of
 * the job's owner, or a copy of a URL or data URI the request carried) until dispatch, when they are
 * uploaded to the job's ComfyUI server and set into the graph inputs named in {@code binds}
 * ({@code "<node id>.inputs.<input>"}); a resubmission uploads them again.
 */
public record JobInput(String param, String objectKey, String contentType, List<String> binds) {
    public JobInput {
        Objects.requireNonNull(param, "param");
        Objects.requireNonNull(objectKey, "objectKey");
        Objects.requireNonNull(contentType, "contentType");
        binds = List.copyOf(binds);
        if (binds.isEmpty()) {
            throw new IllegalArgumentException("an input image fills at least one graph input");
        }
    }
}
