package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.time.Duration;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A graph without a model, through the whole local stack as a caller's raw workflow: a white square
 * pasted on black (EmptyImage, ImageCompositeMasked), blurred (ImageBlur), inverted (ImageInvert) and
 * saved. The job succeeds on the webhooks of nodes that have no progress bar, and its artifact is
 * ComfyUI's file byte for byte, with the pixels those nodes make: white far from the square, black in
 * its middle, grey at its blurred edge.
 */
class ModelFreeGraphIT {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static LocalStack stack;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        stack = LocalStack.start(TestStacks.options("model-free-graph-it"));
        api = new Api(stack.apiUrl());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static final String GRAPH = "{"
            + "\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 32, \"height\": 32, \"batch_size\": 1, \"color\": 0}},"
            + "\"2\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 8, \"height\": 8, \"batch_size\": 1, \"color\": 16777215}},"
            + "\"3\": {\"class_type\": \"ImageCompositeMasked\", \"inputs\": {\"destination\": [\"1\", 0], \"source\": [\"2\", 0],"
            + " \"x\": 12, \"y\": 12, \"resize_source\": false}},"
            + "\"4\": {\"class_type\": \"ImageBlur\", \"inputs\": {\"image\": [\"3\", 0], \"blur_radius\": 2, \"sigma\": 1.0}},"
            + "\"5\": {\"class_type\": \"ImageInvert\", \"inputs\": {\"image\": [\"4\", 0]}},"
            + "\"6\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"5\", 0], \"filename_prefix\": \"model-free\"}}}";

    @Test
    void aModelFreeGraphRunsToSuccessAndItsArtifactHoldsThePixelsItsNodesMade() throws Exception {
        Api.Response r = api.submit("alice", "{\"workflow\": " + GRAPH + "}", null);
        assertEquals(202, r.status(), r.body().toString());
        String job = r.body().get("jobId").asText();
        JsonNode done = api.await("alice", job, Api.status("succeeded"), LIMIT, null);
        assertEquals(1.0, done.get("progress").asDouble());
        JsonNode artifacts = done.get("artifacts");
        assertEquals(1, artifacts.size(), done.toString());
        JsonNode artifact = artifacts.get(0);
        byte[] fromS3 = api.download(artifact.get("url").asText());
        assertArrayEquals(Files.readAllBytes(stack.simulator().outputFile(artifact.get("filename").asText(), Api.folderOf(done))), fromS3);
        assertEquals("image/png", artifact.get("contentType").asText());

        BufferedImage image = ImageIO.read(new ByteArrayInputStream(fromS3));
        assertEquals(32, image.getWidth());
        assertEquals(32, image.getHeight());
        assertEquals(0xffffff, image.getRGB(2, 2) & 0xffffff, "far from the square: black, inverted");
        assertEquals(0x000000, image.getRGB(15, 16) & 0xffffff, "the square's middle: white, inverted");
        int edge = image.getRGB(12, 16) & 0xff;
        assertTrue(edge > 0 && edge < 255, "the square's edge is blurred to grey: " + edge);
        assertEquals(image.getRGB(12, 16), image.getRGB(19, 16), "the blur is symmetric");
        assertEquals(image.getRGB(16, 12), image.getRGB(16, 19), "the blur is symmetric");
    }
}
