package com.comfyjobs.submit;

import com.comfyjobs.job.JobInput;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Takes an image a request names for a job and keeps its bytes until dispatch: an {@code https} URL
 * (under the URL rules), a {@code data:image/...;base64,} URI, or {@code {"upload": id}} of the
 * caller's own upload. Only PNG, JPEG and WebP are taken.
 */
public interface InputImages {
    /**
     * @param param  the request's name for the image (a template param, or the bound input of a raw workflow)
     * @param source the value the request gave
     * @param binds  the graph inputs it fills, {@code "<node id>.inputs.<input>"}
     * @throws SubmissionRefusedException when the source is malformed, not allowed, too large or not an image
     */
    JobInput accept(String userId, String jobId, String param, JsonNode source, List<String> binds);
}
