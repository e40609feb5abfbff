package com.comfyjobs.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every route's answer against what ComfyUI 0.3.64's server.py answers: status, shape and the quirks kept on purpose. */
class ApiContractTest {
    private static ComfyUiSimulator sim;
    private static TestApi api;

    @BeforeAll
    static void start() {
        sim = ComfyUiSimulator.builder().port(0).stepMillis(1).nodeMillis(1).build().start();
        api = new TestApi(sim);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @Test
    void everyRouteAlsoAnswersUnderApi() {
        for (String prefix : List.of("", "/api")) {
            TestApi.Response prompt = api.get(prefix + "/prompt");
            assertEquals(200, prompt.status());
            assertEquals("application/json; charset=utf-8", prompt.contentType());
            assertEquals("{\"exec_info\": {\"queue_remaining\": 0}}", prompt.text(), "Python's json.dumps spacing");
            assertEquals(200, api.get(prefix + "/queue").status());
            assertEquals(200, api.get(prefix + "/history?max_items=1").status());
            assertEquals(200, api.get(prefix + "/system_stats").status());
            assertEquals(200, api.get(prefix + "/object_info").status());
        }
        assertEquals(404, api.get("/no/such/route").status());
        assertEquals("404: Not Found", api.get("/no/such/route").text());
        assertEquals(405, api.get("/interrupt").status());
    }

    @Test
    void postPromptAnswersIdNumberAndNodeErrors() {
        TestApi.Response response = api.post("/prompt", SampleWorkflows.request(SampleWorkflows.small(1, 1), null));
        assertEquals(200, response.status());
        JsonNode body = response.json();
        assertEquals(List.of("prompt_id", "number", "node_errors"), ExecutionTest.names(body));
        assertTrue(body.get("prompt_id").asText().matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));
        assertTrue(body.get("number").isIntegralNumber());
        assertEquals(Json.object(), body.get("node_errors"));

        ObjectNode chosen = SampleWorkflows.request(SampleWorkflows.small(2, 1), "ws-client");
        chosen.put("prompt_id", "job-123");
        chosen.put("number", 12);
        JsonNode answer = api.post("/prompt", chosen).json();
        assertEquals("job-123", answer.get("prompt_id").asText());
        assertEquals("12.0", answer.get("number").toString(), "an explicit number goes through float(), as in ComfyUI");
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        JsonNode entry = api.get("/history/job-123").json().get("job-123");
        assertEquals("ws-client", entry.get("prompt").get(3).get("client_id").asText());
    }

    @Test
    void missingPromptIsNoPrompt() {
        TestApi.Response response = api.post("/prompt", "{\"client_id\": \"x\"}");
        assertEquals(400, response.status());
        assertEquals("{\"error\":{\"type\":\"no_prompt\",\"message\":\"No prompt provided\",\"details\":\"No prompt provided\","
                + "\"extra_info\":{}},\"node_errors\":{}}", response.json().toString());
    }

    @Test
    void malformedJsonIsAnUnhandledErrorLikeComfyUi() {
        TestApi.Response response = api.post("/prompt", "{not json");
        assertEquals(500, response.status());
        assertEquals("500 Internal Server Error\n\nServer got itself in trouble", response.text());
        assertEquals(500, api.post("/queue", "{oops").status());
        assertEquals(500, api.post("/history", "").status());
    }

    @Test
    void unknownHistoryIdIsAnEmptyObject() {
        TestApi.Response response = api.get("/history/never-submitted");
        assertEquals(200, response.status());
        assertEquals("{}", response.text());
    }

    @Test
    void historyListsWithMaxItemsAndOffset() {
        for (int i = 0; i < 4; i++) {
            ObjectNode body = SampleWorkflows.request(SampleWorkflows.small(100 + i, 1), null);
            body.put("prompt_id", "h" + i);
            api.post("/prompt", body);
        }
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        assertEquals(List.of("h2", "h3"), ExecutionTest.names(api.get("/history?max_items=2").json()).stream()
                .filter(id -> id.startsWith("h")).toList(), "without offset: the newest max_items");
        JsonNode paged = api.get("/history?max_items=2&offset=0").json();
        assertEquals(2, paged.size());
        assertEquals(500, api.get("/history?max_items=abc").status());
    }

    @Test
    void postHistoryQueueAndInterruptAnswerEmpty200() {
        for (String[] call : new String[][] {{"/history", "{\"delete\": [\"nothing\"]}"}, {"/history", "{\"clear\": false}"},
                {"/queue", "{\"delete\": [\"nothing\"]}"}, {"/queue", "{\"clear\": true}"}, {"/interrupt", "{\"prompt_id\": \"x\"}"}}) {
            TestApi.Response response = api.post(call[0], call[1]);
            assertEquals(200, response.status(), call[0]);
            assertEquals(0, response.bytes().length, call[0]);
            assertEquals("application/octet-stream", response.contentType());
        }
        TestApi.Response bare = api.postEmpty("/interrupt");
        assertEquals(200, bare.status());
        assertEquals(0, bare.bytes().length);
    }

    @Test
    void queueShowsRunningAndPendingTuples() {
        sim.faults().holdQueue(true);
        try {
            ObjectNode body = SampleWorkflows.request(SampleWorkflows.small(1, 1), "c");
            body.put("prompt_id", "pending-1");
            body.putObject("extra_data").put("jobId", "j");
            api.post("/prompt", body);
            JsonNode queue = api.get("/queue").json();
            assertEquals(List.of("queue_running", "queue_pending"), ExecutionTest.names(queue));
            assertEquals(0, queue.get("queue_running").size());
            JsonNode tuple = queue.get("queue_pending").get(0);
            assertEquals("pending-1", tuple.get(1).asText());
            assertEquals("KSampler", tuple.get(2).get("3").get("class_type").asText());
            assertEquals("j", tuple.get(3).get("jobId").asText());
            assertEquals("c", tuple.get(3).get("client_id").asText());
            assertEquals("[\"9\"]", tuple.get(4).toString());
            assertEquals(1, api.get("/prompt").json().get("exec_info").get("queue_remaining").asInt());
        } finally {
            sim.faults().holdQueue(false);
        }
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
    }

    @Test
    void systemStatsHasTheContractShape() {
        JsonNode stats = api.get("/system_stats").json();
        JsonNode system = stats.get("system");
        for (String field : List.of("os", "ram_total", "ram_free", "comfyui_version", "python_version", "pytorch_version",
                "embedded_python", "argv")) {
            assertTrue(system.has(field), field);
        }
        assertEquals("0.3.64", system.get("comfyui_version").asText());
        JsonNode device = stats.get("devices").get(0);
        for (String field : List.of("name", "type", "index", "vram_total", "vram_free", "torch_vram_total", "torch_vram_free")) {
            assertTrue(device.has(field), field);
        }
    }

    @Test
    void objectInfoDescribesNodesWithComfyUisInputs() {
        JsonNode info = api.get("/object_info").json();
        JsonNode sampler = info.get("KSampler");
        assertEquals("[\"model\",\"seed\",\"steps\",\"cfg\",\"sampler_name\",\"scheduler\",\"positive\",\"negative\",\"latent_image\",\"denoise\"]",
                sampler.get("input_order").get("required").toString());
        assertEquals("INT", sampler.get("input").get("required").get("steps").get(0).asText());
        assertEquals(10000, sampler.get("input").get("required").get("steps").get(1).get("max").asInt());
        assertEquals("18446744073709551615", sampler.get("input").get("required").get("seed").get(1).get("max").toString());
        assertEquals("[\"LATENT\"]", sampler.get("output").toString());
        assertTrue(info.get("SaveImage").get("output_node").asBoolean());
        assertEquals("Load Checkpoint", info.get("CheckpointLoaderSimple").get("display_name").asText());
        assertEquals("[\"MODEL\",\"CLIP\",\"VAE\"]", info.get("CheckpointLoaderSimple").get("output").toString());
        assertTrue(info.get("CheckpointLoaderSimple").get("input").get("required").get("ckpt_name").get(0).toString()
                .contains("v1-5-pruned-emaonly.safetensors"));
        assertEquals(16384, info.get("EmptyLatentImage").get("input").get("required").get("width").get(1).get("max").asInt());
        assertTrue(info.get("PreviewImage").get("output_node").asBoolean());
        assertTrue(info.has("LoadImage"));
        JsonNode one = api.get("/object_info/VAEDecode").json();
        assertEquals(List.of("VAEDecode"), ExecutionTest.names(one));
        assertEquals("{}", api.get("/object_info/Nope").text());
    }

    @Test
    void viewChecksNamesSubfoldersAndExistence() throws Exception {
        Files.createDirectories(sim.outputDir().resolve("sub"));
        Files.writeString(sim.outputDir().resolve("sub/file.txt"), "hello");
        TestApi.Response ok = api.get("/view?filename=file.txt&subfolder=sub&type=output");
        assertEquals(200, ok.status());
        assertEquals("hello", new String(ok.bytes(), StandardCharsets.UTF_8));
        assertEquals("filename=\"file.txt\"", ok.headers().firstValue("content-disposition").orElseThrow());
        assertEquals(400, api.get("/view?filename=/etc/passwd").status());
        assertEquals(400, api.get("/view?filename=..%2Fsecret.png").status());
        assertEquals(403, api.get("/view?filename=passwd&subfolder=../../../etc").status());
        assertEquals(404, api.get("/view?filename=missing.png").status());
        assertEquals(404, api.get("/view").status());
        assertEquals(400, api.get("/view?filename=file.txt&type=bogus").status());
        assertEquals(404, api.get("/view?filename=sub/file.txt").status(), "like ComfyUI, only the base name counts");
        assertEquals(200, api.get("/view?filename=other/file.txt&subfolder=sub").status());
    }

    @Test
    void uploadLandsInInputAndRenamesDuplicates() throws Exception {
        byte[] one = {1, 2, 3};
        byte[] two = {4, 5, 6};
        assertEquals("{\"name\":\"pic.png\",\"subfolder\":\"\",\"type\":\"input\"}",
                Uploads.upload(api, "pic.png", one, "input", "", false).json().toString());
        assertEquals("pic.png", Uploads.upload(api, "pic.png", one, "input", "", false).json().get("name").asText(),
                "the same bytes again reuse the name");
        assertEquals("pic (1).png", Uploads.upload(api, "pic.png", two, "input", "", false).json().get("name").asText());
        assertEquals("pic.png", Uploads.upload(api, "pic.png", two, "input", "", true).json().get("name").asText());
        assertEquals(3, Files.readAllBytes(sim.inputDir().resolve("pic.png")).length);
        assertEquals(two[0], Files.readAllBytes(sim.inputDir().resolve("pic.png"))[0]);
        assertEquals("masks", Uploads.upload(api, "m.png", one, "input", "masks", false).json().get("subfolder").asText());
        assertTrue(Files.exists(sim.inputDir().resolve("masks/m.png")));
        assertEquals(400, Uploads.upload(api, "x.png", one, "input", "../../escape", false).status());
        JsonNode choices = api.get("/object_info/LoadImage").json().get("LoadImage").get("input").get("required").get("image").get(0);
        assertTrue(choices.toString().contains("pic (1).png"));
    }

    @Test
    void bearerTokenIsRequiredWhenConfigured() {
        try (ComfyUiSimulator guarded = ComfyUiSimulator.builder().port(0).bearerToken("s3cret").build().start()) {
            assertEquals(401, new TestApi(guarded.baseUrl(), null).get("/system_stats").status());
            assertEquals(401, new TestApi(guarded.baseUrl(), "wrong").get("/_sim/stats").status());
            assertEquals(200, new TestApi(guarded.baseUrl(), "s3cret").get("/system_stats").status());
        }
    }
}
