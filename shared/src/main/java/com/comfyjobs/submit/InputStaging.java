package com.comfyjobs.submit;

import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.FileInputViolation;
import com.comfyjobs.comfyui.FileInputs;
import com.comfyjobs.comfyui.GraphInput;
import com.comfyjobs.comfyui.ImageUploadResult;
import com.comfyjobs.comfyui.ObjectInfo;
import com.comfyjobs.comfyui.Reply;
import com.comfyjobs.comfyui.WorkflowTree;
import com.comfyjobs.job.ImageType;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobError;
import com.comfyjobs.job.JobFolder;
import com.comfyjobs.job.JobInput;
import com.comfyjobs.job.Workflow;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Readies a job's graph for the server it is about to be sent to, just before POST /prompt: checks
 * the graph's file inputs against that server's /object_info ({@link FileInputs}), uploads each input
 * image from the bucket into the attempt's own folder ({@link JobFolder}) and sets every input it
 * fills to the uploaded file, in a copy of the graph. Each attempt uploads again, so a job moved to
 * another server, or resubmitted after ComfyUI restarted, finds its images there.
 *
 * <p>Staged names are made from the job's own values (the param and the image type, in the folder of
 * the job and attempt), never from caller text as such, so the graph sent for an attempt is the same
 * every time it is staged, and an upload repeated after a lost answer overwrites itself.
 */
public final class InputStaging {
    private static final int MAX_PARAM_CHARS_IN_NAME = 48;

    private final ComfyUiPool pool;
    private final ArtifactStore bucket;

    public InputStaging(ComfyUiPool pool, ArtifactStore bucket) {
        this.pool = pool;
        this.bucket = bucket;
    }

    StagingResult stage(Job job, ComfyUiClient server, Workflow workflow) {
        Reply<ObjectInfo> info = pool.objectInfo(server);
        if (info instanceof Reply.Unavailable<ObjectInfo> u) {
            return new StagingResult.Unavailable(u.reason());
        }
        Set<String> filled = new HashSet<>();
        job.inputs().forEach(i -> filled.addAll(i.binds()));
        List<FileInputViolation> violations = FileInputs.check(workflow, filled, ((Reply.Ok<ObjectInfo>) info).value());
        if (!violations.isEmpty()) {
            return new StagingResult.Failed(JobError.of("input_not_allowed", JobError.bounded("the workflow names files it may not read: "
                    + String.join("; ", violations.stream().map(FileInputViolation::message).toList()))));
        }
        if (job.inputs().isEmpty()) {
            return new StagingResult.Staged(workflow);
        }
        ObjectNode graph = WorkflowTree.of(workflow);
        String folder = JobFolder.of(job.id(), job.attempt());
        for (JobInput input : job.inputs()) {
            Optional<byte[]> bytes;
            try {
                bytes = bucket.read(input.objectKey());
            } catch (SdkException e) {
                return new StagingResult.Unavailable("input image " + input.param() + " could not be read from the bucket: " + e.getMessage());
            }
            if (bytes.isEmpty()) {
                return new StagingResult.Failed(JobError.of("input_missing", "input image " + quoted(input.param())
                        + " is no longer stored; submit the job again with the image"));
            }
            ImageUploadResult uploaded = server.uploadImage(folder, stagedName(input), input.contentType(), bytes.get());
            if (uploaded instanceof ImageUploadResult.Unavailable u) {
                return new StagingResult.Unavailable(u.reason());
            }
            if (uploaded instanceof ImageUploadResult.Refused r) {
                return new StagingResult.Failed(JobError.of("comfyui_rejected", "ComfyUI refused input image " + quoted(input.param())
                        + " (POST /upload/image answered HTTP " + r.status() + ")"));
            }
            Optional<String> stray = fill(graph, input, ((ImageUploadResult.Uploaded) uploaded).inputValue());
            if (stray.isPresent()) {
                return new StagingResult.Failed(JobError.of("input_not_allowed", "input image " + quoted(input.param())
                        + " fills " + quoted(stray.get()) + ", which is not an input of a node of the workflow"));
            }
        }
        return new StagingResult.Staged(Workflow.parse(graph.toString()));
    }

    /**
     * The graph attempt {@code attempt} sends when ComfyUI stores each image under the name staging
     * asks for, as it does: known before anything is uploaded, so a new job records the graph its first
     * attempt sends when it is created.
     */
    static Workflow expected(String jobId, int attempt, List<JobInput> inputs, Workflow workflow) {
        if (inputs.isEmpty()) {
            return workflow;
        }
        ObjectNode graph = WorkflowTree.of(workflow);
        String folder = JobFolder.of(jobId, attempt);
        inputs.forEach(input -> fill(graph, input, folder + "/" + stagedName(input)));
        return Workflow.parse(graph.toString());
    }

    /** Sets every graph input {@code input} fills to {@code value}; the first of them no node of the graph has, if any. */
    private static Optional<String> fill(ObjectNode graph, JobInput input, String value) {
        for (String bind : input.binds()) {
            Optional<GraphInput> target = GraphInput.parse(bind);
            JsonNode inputs = target.map(t -> graph.path(t.nodeId()).path("inputs")).orElse(null);
            if (inputs == null || !inputs.isObject()) {
                return Optional.of(bind);
            }
            ((ObjectNode) inputs).put(target.get().input(), value);
        }
        return Optional.empty();
    }

    /**
     * {@code <param, letters digits . _ - kept>-<8 hex of its SHA-256>.<extension>}: a plain name ComfyUI
     * stores as it is, recognisable in the folder, and distinct for distinct params (the hash).
     */
    static String stagedName(JobInput input) {
        String readable = input.param().replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^[.]+", "");
        if (readable.length() > MAX_PARAM_CHARS_IN_NAME) {
            readable = readable.substring(0, MAX_PARAM_CHARS_IN_NAME);
        }
        String extension = ImageType.ofContentType(input.contentType()).map(ImageType::extension).orElse("bin");
        return (readable.isEmpty() ? "image" : readable) + "-" + sha256(input.param()).substring(0, 8) + "." + extension;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    private static String quoted(String callerText) {
        return FileInputViolation.quoted(callerText);
    }
}
