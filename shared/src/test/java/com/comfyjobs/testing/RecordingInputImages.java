package com.comfyjobs.testing;

import com.comfyjobs.job.JobInput;
import com.comfyjobs.submit.InputImages;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Input images taken by the real store it wraps, each call remembered so a test can see what a job
 * handed over and how often.
 */
public final class RecordingInputImages implements InputImages {
    /** One image as it was given. */
    public record Call(String userId, String jobId, String param, JsonNode source, List<String> binds) {
    }

    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final InputImages taken;

    public RecordingInputImages(InputImages taken) {
        this.taken = taken;
    }

    @Override
    public JobInput accept(String userId, String jobId, String param, JsonNode source, List<String> binds) {
        calls.add(new Call(userId, jobId, param, source, List.copyOf(binds)));
        return taken.accept(userId, jobId, param, source, binds);
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }
}
