package com.comfyjobs.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ExecutionTest {
    private ComfyUiSimulator sim;
    private TestApi api;

    @BeforeEach
    void start() {
        sim = ComfyUiSimulator.builder().port(0).stepMillis(1).nodeMillis(1).randomSeed(7).build().start();
        api = new TestApi(sim);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private String submit(ObjectNode workflow, String clientId) {
        TestApi.Response response = api.post("/prompt", SampleWorkflows.request(workflow, clientId));
        assertEquals(200, response.status(), response.text());
        return response.json().get("prompt_id").asText();
    }

    /** One word per message: type, plus the node for executing/executed and the value for progress. */
    private static List<String> describe(List<JsonNode> messages) {
        List<String> out = new ArrayList<>();
        for (JsonNode message : messages) {
            String type = message.get("type").asText();
            JsonNode data = message.get("data");
            switch (type) {
                case "status" -> out.add("status:" + data.get("status").get("exec_info").get("queue_remaining").asInt());
                case "executing", "executed" -> out.add(type + ":" + (data.get("node").isNull() ? "null" : data.get("node").asText()));
                case "progress" -> out.add("progress:" + data.get("value").asInt());
                case "progress_state" -> {
                    StringBuilder states = new StringBuilder("progress_state:");
                    data.get("nodes").properties().forEach(e -> states.append(e.getKey()).append('=')
                            .append(e.getValue().get("state").asText().charAt(0)));
                    out.add(states.toString());
                }
                default -> out.add(type);
            }
        }
        return out;
    }

    @Test
    void defaultWorkflowSendsComfyUisEventsInComfyUisOrder() throws IOException {
        try (WsRecorder ws = WsRecorder.connect(sim, "client-1")) {
            String id = submit(SampleWorkflows.defaultWorkflow(), "client-1");
            ws.awaitDone(id);
            List<String> events = describe(ws.messages().subList(1, ws.messages().size()));

            List<String> expected = new ArrayList<>(List.of("status:1", "status:1", "execution_start", "execution_cached"));
            String done = "";
            for (String node : List.of("4", "5", "7", "6", "3", "8", "9")) {
                expected.add("progress_state:" + done + node + "=r");
                expected.add("executing:" + node);
                if (node.equals("3")) {
                    for (int step = 1; step <= 20; step++) {
                        expected.add("progress_state:" + done + "3=r");
                        expected.add("progress:" + step);
                    }
                }
                if (node.equals("9")) {
                    expected.add("executed:9");
                }
                done += node + "=f";
                expected.add("progress_state:" + done);
            }
            expected.addAll(List.of("execution_success", "status:0", "executing:null"));
            assertEquals(expected, events);

            JsonNode first = ws.messages().get(0);
            assertEquals("client-1", first.get("data").get("sid").asText());
            JsonNode start = ws.messagesFor(id).get(0);
            assertEquals("execution_start", start.get("type").asText());
            assertTrue(start.get("data").get("timestamp").asLong() > 1_700_000_000_000L, "timestamps are milliseconds");
            JsonNode cached = ws.messagesFor(id).get(1).get("data");
            assertEquals(Json.array(), cached.get("nodes"));

            List<JsonNode> progress = ws.messages().stream().filter(m -> m.get("type").asText().equals("progress")).toList();
            assertEquals(20, progress.size());
            JsonNode step5 = progress.get(4).get("data");
            assertEquals(5, step5.get("value").intValue());
            assertEquals(20, step5.get("max").intValue());
            assertEquals("3", step5.get("node").asText());
            assertEquals(id, step5.get("prompt_id").asText());

            List<JsonNode> states = ws.messages().stream().filter(m -> m.get("type").asText().equals("progress_state")).toList();
            JsonNode startState = states.get(0).get("data").get("nodes").get("4");
            assertTrue(startState.get("value").isDouble() && startState.get("value").doubleValue() == 0.0);
            assertTrue(startState.get("max").isDouble() && startState.get("max").doubleValue() == 1.0);
            assertEquals("4", startState.get("node_id").asText());
            assertEquals(id, startState.get("prompt_id").asText());
            assertEquals("4", startState.get("display_node_id").asText());
            assertTrue(startState.get("parent_node_id").isNull());
            assertEquals("4", startState.get("real_node_id").asText());
            JsonNode samplerStep = states.stream().map(s -> s.get("data").get("nodes").get("3"))
                    .filter(n -> n != null && n.get("value").isInt() && n.get("value").intValue() == 7).findFirst().orElseThrow();
            assertEquals(20, samplerStep.get("max").intValue());

            JsonNode executed = ws.messages().stream().filter(m -> m.get("type").asText().equals("executed")).findFirst().orElseThrow().get("data");
            assertEquals("9", executed.get("display_node").asText());
            JsonNode image = executed.get("output").get("images").get(0);
            assertEquals("ComfyUI_00001_.png", image.get("filename").asText());
            assertEquals("", image.get("subfolder").asText());
            assertEquals("output", image.get("type").asText());
            assertFalse(ws.messages().get(ws.messages().size() - 1).get("data").has("display_node"),
                    "the closing executing message has no display_node");

            TestApi.Response view = api.get("/view?filename=ComfyUI_00001_.png&subfolder=&type=output");
            assertEquals(200, view.status());
            assertEquals("image/png", view.contentType());
            assertEquals("filename=\"ComfyUI_00001_.png\"", view.headers().firstValue("content-disposition").orElseThrow());
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(view.bytes()));
            assertEquals(512, png.getWidth());
            assertEquals(512, png.getHeight());
            assertTrue(view.bytes().length >= 512 * 512 * 3, "noise does not compress");
        }
    }

    @Test
    void historyEntryHasComfyUisShape() {
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            ObjectNode body = SampleWorkflows.request(SampleWorkflows.small(1, 3), "c");
            body.putObject("extra_data").put("jobId", "job-1").put("api_key_comfy_org", "secret");
            String id = api.post("/prompt", body).json().get("prompt_id").asText();
            ws.awaitDone(id);
        }
        JsonNode history = api.get("/history").json();
        assertEquals(1, history.size());
        String id = history.fieldNames().next();
        JsonNode entry = history.get(id);
        assertEquals(List.of("prompt", "outputs", "status", "meta"), names(entry));
        JsonNode tuple = entry.get("prompt");
        assertEquals(5, tuple.size());
        assertEquals(0, tuple.get(0).asInt());
        assertEquals(id, tuple.get(1).asText());
        assertEquals("KSampler", tuple.get(2).get("3").get("class_type").asText());
        assertEquals(8.0, tuple.get(2).get("3").get("inputs").get("cfg").doubleValue());
        assertTrue(tuple.get(2).get("3").get("inputs").get("cfg").isDouble(), "validation converts FLOAT inputs, as ComfyUI does");
        assertEquals("job-1", tuple.get(3).get("jobId").asText());
        assertEquals("c", tuple.get(3).get("client_id").asText());
        assertFalse(tuple.get(3).has("api_key_comfy_org"), "sensitive keys are stripped from history");
        assertEquals("[\"9\"]", tuple.get(4).toString());
        assertEquals("ComfyUI_00001_.png", entry.get("outputs").get("9").get("images").get(0).get("filename").asText());
        JsonNode status = entry.get("status");
        assertEquals("success", status.get("status_str").asText());
        assertTrue(status.get("completed").asBoolean());
        List<String> types = new ArrayList<>();
        status.get("messages").forEach(m -> types.add(m.get(0).asText()));
        assertEquals(List.of("execution_start", "execution_cached", "execution_success"), types);
        assertEquals("{\"node_id\":\"9\",\"display_node\":\"9\",\"parent_node\":null,\"real_node_id\":\"9\"}",
                entry.get("meta").get("9").toString());
        assertTrue(Files.isRegularFile(sim.outputFile("ComfyUI_00001_.png", "")));
    }

    @Test
    void sameSeedGivesByteIdenticalFilesAndAnotherSeedDoesNot() throws IOException {
        String first = runToFile(SampleWorkflows.small(42, 2));
        String other = runToFile(SampleWorkflows.small(43, 2));
        String again = runToFile(SampleWorkflows.small(42, 2));
        byte[] a = Files.readAllBytes(sim.outputFile(first, ""));
        byte[] b = Files.readAllBytes(sim.outputFile(other, ""));
        byte[] c = Files.readAllBytes(sim.outputFile(again, ""));
        assertEquals(List.of("ComfyUI_00001_.png", "ComfyUI_00002_.png", "ComfyUI_00003_.png"), List.of(first, other, again));
        assertArrayEquals(a, c);
        assertFalse(java.util.Arrays.equals(a, b));
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(api.get("/view?filename=" + first).bytes()));
        assertEquals(64, image.getWidth());
        assertEquals(64, image.getHeight());
    }

    private String runToFile(ObjectNode workflow) {
        String id = submit(workflow, null);
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        return api.get("/history/" + id).json().get(id).get("outputs").get("9").get("images").get(0).get("filename").asText();
    }

    @Test
    void unchangedNodesAreCachedLikeComfyUi() {
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            String first = submit(SampleWorkflows.small(5, 2), "c");
            ws.awaitDone(first);
            String second = submit(SampleWorkflows.small(5, 2), "c");
            ws.awaitDone(second);
            List<String> events = describe(ws.messagesFor(second));
            // As in ComfyUI, a cached output node still reports "executed" (its cached UI) and a finished progress_state.
            assertEquals(List.of("execution_start", "execution_cached", "executed:9", "progress_state:9=f", "execution_success",
                    "executing:null"), events);
            JsonNode cached = ws.messagesFor(second).get(1).get("data").get("nodes");
            assertEquals("[\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]", cached.toString());
            JsonNode entry = api.get("/history/" + second).json().get(second);
            assertEquals("ComfyUI_00001_.png", entry.get("outputs").get("9").get("images").get(0).get("filename").asText());
            assertFalse(Files.exists(sim.outputFile("ComfyUI_00002_.png", "")), "a cached SaveImage writes nothing");

            ObjectNode changed = SampleWorkflows.small(5, 2);
            ((ObjectNode) changed.get("6").get("inputs")).put("text", "a different prompt");
            String third = submit(changed, "c");
            ws.awaitDone(third);
            assertEquals("[\"4\",\"5\",\"7\"]", ws.messagesFor(third).get(1).get("data").get("nodes").toString());
            List<String> executing = describe(ws.messagesFor(third)).stream().filter(e -> e.startsWith("executing:")).toList();
            assertEquals(List.of("executing:6", "executing:3", "executing:8", "executing:9", "executing:null"), executing);
        }
        assertEquals(3, sim.totalExecutions());
    }

    @Test
    void withoutClientIdOnlyProgressAndStatusReachSockets() {
        try (WsRecorder other = WsRecorder.connect(sim, "someone-else")) {
            String id = submit(SampleWorkflows.small(9, 2), null);
            assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
            // The greeting status already said queue_remaining 0, so wait for the prompt's own last event: the
            // simulator has sent everything, but the socket may not have delivered it yet.
            other.await(m -> m.get("type").asText().equals("progress_state") && m.get("data").get("prompt_id").asText().equals(id)
                    && m.get("data").get("nodes").path("9").path("state").asText().equals("finished"), Duration.ofSeconds(5));
            List<String> types = other.messagesFor(id).stream().map(m -> m.get("type").asText()).distinct().toList();
            assertEquals(List.of("progress_state", "progress"), types);
            assertEquals("success", api.get("/history/" + id).json().get(id).get("status").get("status_str").asText());
        }
    }

    @Test
    void batchesSubfoldersAndPreviewsNameFilesLikeComfyUi() throws IOException {
        ObjectNode workflow = SampleWorkflows.small(3, 1);
        ((ObjectNode) workflow.get("5").get("inputs")).put("batch_size", 2).put("width", 70);
        ((ObjectNode) workflow.get("9").get("inputs")).put("filename_prefix", "jobs/run/img");
        ObjectNode preview = workflow.putObject("10");
        preview.put("class_type", "PreviewImage");
        preview.putObject("inputs").set("images", Json.array().add("8").add(0));
        String id = submit(workflow, null);
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        JsonNode outputs = api.get("/history/" + id).json().get(id).get("outputs");
        JsonNode saved = outputs.get("9").get("images");
        assertEquals("img_00001_.png", saved.get(0).get("filename").asText());
        assertEquals("img_00002_.png", saved.get(1).get("filename").asText());
        assertEquals("jobs/run", saved.get(0).get("subfolder").asText());
        JsonNode previewed = outputs.get("10").get("images").get(0);
        assertEquals("temp", previewed.get("type").asText());
        assertTrue(previewed.get("filename").asText().matches("ComfyUI_temp_[a-z]{5}_00001_\\.png"), previewed.toString());
        assertTrue(Files.isRegularFile(sim.tempDir().resolve(previewed.get("filename").asText())));
        BufferedImage image = ImageIO.read(sim.outputFile("img_00002_.png", "jobs/run").toFile());
        assertEquals(64, image.getWidth(), "the latent is width // 8, so 70 px becomes 64");
        TestApi.Response view = api.get("/view?filename=img_00001_.png&subfolder=jobs/run&type=output");
        assertEquals(200, view.status());
        TestApi.Response temp = api.get("/view?filename=" + previewed.get("filename").asText() + "&type=temp");
        assertEquals(200, temp.status());
    }

    @Test
    void failingNodeReportsExecutionErrorWithComfyUisFields() {
        sim.faults().failNode("KSampler");
        try (WsRecorder ws = WsRecorder.connect(sim, "c")) {
            String id = submit(SampleWorkflows.small(1, 3), "c");
            ws.awaitDone(id);
            List<String> events = describe(ws.messagesFor(id));
            assertEquals("executing:3", events.get(events.size() - 3));
            assertEquals("execution_error", events.get(events.size() - 2));
            JsonNode error = ws.messagesFor(id).get(events.size() - 2).get("data");
            assertEquals(List.of("prompt_id", "node_id", "node_type", "executed", "exception_message", "exception_type",
                    "traceback", "current_inputs", "current_outputs", "timestamp"), names(error));
            assertEquals("3", error.get("node_id").asText());
            assertEquals("KSampler", error.get("node_type").asText());
            assertEquals("[\"4\",\"5\",\"7\",\"6\"]", error.get("executed").toString());
            assertEquals("torch.OutOfMemoryError", error.get("exception_type").asText());
            assertTrue(error.get("exception_message").asText().contains("ran out of memory on your GPU"));
            assertTrue(error.get("traceback").get(0).asText().startsWith("  File \""));
            assertEquals(1, error.get("current_inputs").get("seed").get(0).asInt());
            assertTrue(error.get("current_inputs").get("model").get(0).asText().startsWith("<comfy.model_patcher.ModelPatcher object"));
            assertEquals(7, error.get("current_outputs").size());

            JsonNode status = api.get("/history/" + id).json().get(id).get("status");
            assertEquals("error", status.get("status_str").asText());
            assertFalse(status.get("completed").asBoolean());
            JsonNode messages = status.get("messages");
            assertEquals("execution_error", messages.get(messages.size() - 1).get(0).asText());

            String next = submit(SampleWorkflows.small(1, 3), "c");
            ws.awaitDone(next);
            assertEquals("success", api.get("/history/" + next).json().get(next).get("status").get("status_str").asText(),
                    "failNode is one-shot");
        }
    }

    static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void loadImageReadsUploadsAndFeedsImg2Img() throws IOException {
        byte[] png = Files.readAllBytes(sim.outputFile(runToFile(SampleWorkflows.small(11, 1)), ""));
        TestApi.Response upload = Uploads.upload(api, "source.png", png, "input", "", false);
        assertEquals(200, upload.status(), upload.text());
        assertEquals("{\"name\":\"source.png\",\"subfolder\":\"\",\"type\":\"input\"}", upload.json().toString());

        ObjectNode workflow = SampleWorkflows.small(11, 1);
        workflow.putObject("10").put("class_type", "LoadImage").putObject("inputs").put("image", "source.png");
        ObjectNode encode = workflow.putObject("11");
        encode.put("class_type", "VAEEncode");
        encode.putObject("inputs").<ObjectNode>set("pixels", Json.array().add("10").add(0)).set("vae", Json.array().add("4").add(2));
        ((ObjectNode) workflow.get("3").get("inputs")).set("latent_image", Json.array().add("11").add(0));
        ((ObjectNode) workflow.get("3").get("inputs")).put("denoise", 0.5);
        String id = submit(workflow, null);
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        JsonNode entry = api.get("/history/" + id).json().get(id);
        assertEquals("success", entry.get("status").get("status_str").asText());
        String file = entry.get("outputs").get("9").get("images").get(0).get("filename").asText();
        BufferedImage image = ImageIO.read(sim.outputFile(file, "").toFile());
        assertEquals(64, image.getWidth());
        assertNotEquals(0, Files.size(sim.outputFile(file, "")));
    }

    /**
     * What staging input images relies on, as ComfyUI 0.3.64 does it (server.py image_upload,
     * folder_paths.get_annotated_filepath, LoadImage.VALIDATE_INPUTS): an upload into a subfolder with
     * overwrite keeps its name when sent again, and LoadImage takes "subfolder/name"; a name ending in
     * [output] is read from the output folder, and a ".." path reaches past the input folder, which is
     * why no caller value may reach such an input.
     */
    @Test
    void loadImageTakesSubfolderNamesAnnotationsAndPathsAsComfyUiDoes() throws IOException {
        String output = runToFile(SampleWorkflows.small(11, 1));
        byte[] png = Files.readAllBytes(sim.outputFile(output, ""));
        TestApi.Response first = Uploads.upload(api, "staged.png", new byte[] {1, 2, 3}, "input", "comfyjobs/job-1", true);
        assertEquals("{\"name\":\"staged.png\",\"subfolder\":\"comfyjobs/job-1\",\"type\":\"input\"}", first.json().toString());
        TestApi.Response again = Uploads.upload(api, "staged.png", png, "input", "comfyjobs/job-1", true);
        assertEquals("staged.png", again.json().get("name").asText(), "overwrite replaces the file under its name");
        assertArrayEquals(png, Files.readAllBytes(sim.inputDir().resolve("comfyjobs/job-1/staged.png")));

        assertEquals(64, loadedWidth("comfyjobs/job-1/staged.png"));
        assertEquals(64, loadedWidth(output + " [output]"), "an annotation picks the output folder");
        assertEquals(64, loadedWidth("../" + sim.outputDir().getFileName() + "/" + output), "'..' leaves the input folder");
        TestApi.Response missing = api.post("/prompt", SampleWorkflows.request(loadImage("comfyjobs/job-1/absent.png"), null));
        assertEquals(400, missing.status());
        assertTrue(missing.text().contains("Invalid image file: comfyjobs/job-1/absent.png"), missing.text());
    }

    @Test
    void loadImageReadsWebpAsPillowDoes() throws IOException {
        byte[] webp = java.util.Base64.getDecoder().decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==");
        assertEquals(200, Uploads.upload(api, "one.webp", webp, "input", "", false).status());
        assertEquals(1, loadedWidth("one.webp"));
    }

    /** Runs LoadImage(name) into PreviewImage and answers the width of what it loaded. */
    private int loadedWidth(String name) throws IOException {
        String id = submit(loadImage(name), null);
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        JsonNode entry = api.get("/history/" + id).json().get(id);
        assertEquals("success", entry.get("status").get("status_str").asText(), entry.toString());
        String preview = entry.get("outputs").get("2").get("images").get(0).get("filename").asText();
        return ImageIO.read(sim.tempDir().resolve(preview).toFile()).getWidth();
    }

    private static ObjectNode loadImage(String name) {
        ObjectNode workflow = Json.object();
        workflow.putObject("1").put("class_type", "LoadImage").putObject("inputs").put("image", name);
        workflow.putObject("2").put("class_type", "PreviewImage").putObject("inputs").set("images", Json.array().add("1").add(0));
        return workflow;
    }
}
