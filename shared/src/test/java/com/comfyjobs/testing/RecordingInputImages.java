package com.comfyjobs.testing;

import com.comfyjobs.job.JobInput;
import com.comfyjobs.submit.InputImages;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The fast tier's input images: every image is taken, nothing is fetched or stored, and each call is
 * remembered so a test can see what a template job handed over.
 */
public final class RecordingInputImages implements InputImages {
    /** One image as it was given. */
    public record Call(String userId, String jobId, String param, JsonNode source, List<String> binds) {
    }

    private final List<Call> calls = new CopyOnWriteArrayList<>();

    @Override
    public JobInput accept(String userId, String jobId, String param, JsonNode source, List<String> binds) {
        calls.add(new Call(userId, jobId, param, source, List.copyOf(binds)));
        return new JobInput(param, "inputs/" + jobId + "/" + param, "image/png", binds);
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }
}
