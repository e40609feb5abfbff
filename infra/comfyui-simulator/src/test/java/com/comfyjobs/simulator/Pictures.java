package com.comfyjobs.simulator;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import javax.imageio.ImageIO;

/** Test pictures in and out of a simulator: input PNGs made pixel by pixel, saved outputs read back. */
final class Pictures {
    /** The colour of pixel (x, y), as 0xAARRGGBB. */
    @FunctionalInterface
    interface Pixels {
        int argb(int x, int y);
    }

    private Pictures() {
    }

    /** Writes a PNG into the simulator's input area; with alpha when {@code alpha} is true. */
    static void input(ComfyUiSimulator sim, String name, int width, int height, boolean alpha, Pixels pixels) {
        BufferedImage image = new BufferedImage(width, height, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, pixels.argb(x, y));
            }
        }
        try {
            ImageIO.write(image, "png", sim.inputDir().resolve(name).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A graph from JSON text. */
    static ObjectNode graph(String json) {
        try {
            return (ObjectNode) Json.parse(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code graph} to its end; answers its history entry. */
    static JsonNode run(ComfyUiSimulator sim, TestApi api, ObjectNode graph) {
        TestApi.Response queued = api.post("/prompt", SampleWorkflows.request(graph, null));
        if (queued.status() != 200) {
            throw new AssertionError("POST /prompt answered " + queued.status() + ": " + queued.text());
        }
        String id = queued.json().get("prompt_id").asText();
        if (!sim.awaitIdle(Duration.ofSeconds(30))) {
            throw new AssertionError("the simulator did not finish " + id);
        }
        return api.get("/history/" + id).json().get(id);
    }

    /** The (first) image node {@code node} saved in that run. */
    static BufferedImage saved(ComfyUiSimulator sim, JsonNode entry, String node) {
        return saved(sim, entry, node, 0);
    }

    /** Image {@code index} of the batch node {@code node} saved in that run. */
    static BufferedImage saved(ComfyUiSimulator sim, JsonNode entry, String node, int index) {
        JsonNode image = entry.path("outputs").path(node).path("images").path(index);
        if (image.isMissingNode()) {
            throw new AssertionError("node " + node + " saved nothing: " + entry.path("status"));
        }
        Path file = sim.outputFile(image.get("filename").asText(), image.get("subfolder").asText());
        try {
            return ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last message of a run's status: execution_success, execution_error... as [type, data]. */
    static JsonNode lastMessage(JsonNode entry) {
        JsonNode messages = entry.path("status").path("messages");
        return messages.get(messages.size() - 1);
    }

    /** The red, green and blue bytes of pixel (x, y). */
    static int[] rgb(BufferedImage image, int x, int y) {
        int argb = image.getRGB(x, y);
        return new int[] {argb >> 16 & 0xff, argb >> 8 & 0xff, argb & 0xff};
    }

    /** Every pixel's red, green and blue bytes, row by row. */
    static int[][] rows(BufferedImage image) {
        int[][] rows = new int[image.getHeight()][];
        for (int y = 0; y < image.getHeight(); y++) {
            rows[y] = new int[image.getWidth() * 3];
            for (int x = 0; x < image.getWidth(); x++) {
                System.arraycopy(rgb(image, x, y), 0, rows[y], 3 * x, 3);
            }
        }
        return rows;
    }
}
