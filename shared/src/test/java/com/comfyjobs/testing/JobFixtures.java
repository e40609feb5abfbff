package com.comfyjobs.testing;

import com.comfyjobs.job.IdempotencyClaim;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.Workflow;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.function.Consumer;
import javax.imageio.ImageIO;

/** Jobs and workflows for tests: ComfyUI's default text-to-image workflow and fresh queued jobs. */
public final class JobFixtures {
    public static final int DEFAULT_CAP = 1000;

    private JobFixtures() {
    }

    /** ComfyUI's default text-to-image workflow: seven nodes, SaveImage as output. */
    public static Workflow defaultWorkflow() {
        try {
            return Workflow.parse(new String(JobFixtures.class.getResourceAsStream("/workflows/default-txt2img.json").readAllBytes(),
                    StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The default workflow with {@code edit} applied to its graph (node id to node), for a seed of its
     * own (ComfyUI runs again only nodes whose inputs it has not seen), a number of steps or another output node.
     */
    public static Workflow defaultWorkflow(Consumer<ObjectNode> edit) {
        try {
            ObjectNode graph = (ObjectNode) new ObjectMapper().readTree(defaultWorkflow().json());
            edit.accept(graph);
            return Workflow.parse(graph.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Image to image, the simulator's {@code workflows/img2img.json} (LoadImage is node "10"), reading
     * {@code image}, with one sampler step and {@code seed} making it a workflow of its own.
     */
    public static Workflow img2imgWorkflow(String image, long seed) {
        try {
            ObjectNode graph = (ObjectNode) new ObjectMapper().readTree(JobFixtures.class.getResourceAsStream("/workflows/img2img.json"));
            ((ObjectNode) graph.get("10").get("inputs")).put("image", image);
            ((ObjectNode) graph.get("3").get("inputs")).put("seed", seed).put("steps", 1);
            return Workflow.parse(graph.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A {@code size}-pixel square image encoded as {@code format} ("png" or "jpeg"), as a caller would send one. */
    public static byte[] image(String format, int size) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                img.setRGB(x, y, (x * 255 / size) << 16 | (y * 255 / size) << 8);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalArgumentException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static Workflow workflowFromFile(Path p) {
        try {
            return Workflow.parse(Files.readString(p));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    public static Job queued(String userId, Instant createdAt) {
        String id = UUID.randomUUID().toString();
        return Job.queued(id, userId, JobType.IMAGE_GENERATION, createdAt)
                .comfyServer("http://comfy-1:8188")
                .promptId(id + "_1")
                .nodeCount(defaultWorkflow().nodeCount())
                .build();
    }

    public static NewJob newJob(String userId, Instant createdAt) {
        return new NewJob(queued(userId, createdAt), defaultWorkflow(), DEFAULT_CAP, null);
    }

    public static NewJob newJob(Job job) {
        return new NewJob(job, defaultWorkflow(), DEFAULT_CAP, null);
    }

    public static NewJob withKey(Job job, String key, String fingerprint) {
        return new NewJob(job, defaultWorkflow(), DEFAULT_CAP, new IdempotencyClaim(key, fingerprint, Duration.ofHours(24)));
    }

    public static String user() {
        return "user-" + UUID.randomUUID();
    }
}
