package com.comfyjobs.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /prompt's 400 answers, with validate_prompt's messages, against the answers ComfyUI 0.3.64 gives. */
class ValidationTest {
    private static ComfyUiSimulator sim;
    private static TestApi api;

    @BeforeAll
    static void start() {
        sim = ComfyUiSimulator.builder().port(0).stepMillis(1).nodeMillis(1)
                .checkpoints(List.of("v1-5-pruned-emaonly.safetensors", "other.safetensors")).build().start();
        api = new TestApi(sim);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static TestApi.Response submit(ObjectNode workflow) {
        return api.post("/prompt", SampleWorkflows.request(workflow, null));
    }

    private static ObjectNode inputs(ObjectNode workflow, String node) {
        return (ObjectNode) workflow.get(node).get("inputs");
    }

    @Test
    void missingAndUnknownClassTypeAreInvalidPrompt() {
        ObjectNode workflow = SampleWorkflows.small(1, 1);
        ((ObjectNode) workflow.get("4")).remove("class_type");
        TestApi.Response missing = submit(workflow);
        assertEquals(400, missing.status());
        assertEquals("{\"error\":{\"type\":\"invalid_prompt\",\"message\":\"Cannot execute because a node is missing the class_type property.\","
                + "\"details\":\"Node ID '#4'\",\"extra_info\":{}},\"node_errors\":{}}", missing.json().toString());

        ObjectNode unknown = SampleWorkflows.small(1, 1);
        ((ObjectNode) unknown.get("7")).put("class_type", "NoSuchNode");
        JsonNode error = submit(unknown).json().get("error");
        assertEquals("invalid_prompt", error.get("type").asText());
        assertEquals("Cannot execute because node NoSuchNode does not exist.", error.get("message").asText());
        assertEquals("Node ID '#7'", error.get("details").asText());
    }

    @Test
    void noOutputNodeIsPromptNoOutputs() {
        ObjectNode workflow = SampleWorkflows.small(1, 1);
        workflow.remove("9");
        TestApi.Response response = submit(workflow);
        assertEquals(400, response.status());
        assertEquals("{\"error\":{\"type\":\"prompt_no_outputs\",\"message\":\"Prompt has no outputs\",\"details\":\"\","
                + "\"extra_info\":{}},\"node_errors\":{}}", response.json().toString());
    }

    @Test
    void unknownCheckpointIsValueNotInList() {
        ObjectNode workflow = SampleWorkflows.small(1, 1);
        inputs(workflow, "4").put("ckpt_name", "x.safetensors");
        TestApi.Response response = submit(workflow);
        assertEquals(400, response.status());
        JsonNode body = response.json();
        JsonNode error = body.get("error");
        assertEquals("prompt_outputs_failed_validation", error.get("type").asText());
        assertEquals("Prompt outputs failed validation", error.get("message").asText());
        assertEquals("", error.get("details").asText(), "SaveImage's own reasons are empty: the failure is upstream");
        assertEquals(Json.object(), error.get("extra_info"));
        JsonNode node = body.get("node_errors").get("4");
        assertEquals(List.of("4"), ExecutionTest.names(body.get("node_errors")));
        assertEquals("CheckpointLoaderSimple", node.get("class_type").asText());
        assertEquals("[\"9\"]", node.get("dependent_outputs").toString());
        JsonNode reason = node.get("errors").get(0);
        assertEquals("value_not_in_list", reason.get("type").asText());
        assertEquals("Value not in list", reason.get("message").asText());
        assertEquals("ckpt_name: 'x.safetensors' not in ['other.safetensors', 'v1-5-pruned-emaonly.safetensors']",
                reason.get("details").asText());
        assertEquals("ckpt_name", reason.get("extra_info").get("input_name").asText());
        assertEquals("x.safetensors", reason.get("extra_info").get("received_value").asText());
        assertEquals("The name of the checkpoint (model) to load.",
                reason.get("extra_info").get("input_config").get(1).get("tooltip").asText());
    }

    @Test
    void samplerListIsLongSoItIsSummarised() {
        ObjectNode workflow = SampleWorkflows.small(1, 1);
        inputs(workflow, "3").put("sampler_name", "magic").put("scheduler", "weird");
        JsonNode errors = submit(workflow).json().get("node_errors").get("3").get("errors");
        assertEquals("sampler_name: 'magic' not in (list of length 42)", errors.get(0).get("details").asText());
        assertTrue(errors.get(0).get("extra_info").get("input_config").isNull());
        assertEquals("scheduler: 'weird' not in ['simple', 'sgm_uniform', 'karras', 'exponential', 'ddim_uniform', 'beta', "
                + "'normal', 'linear_quadratic', 'kl_optimal']", errors.get(1).get("details").asText());
    }

    @Test
    void rangeAndTypeChecksUseComfyUisMessages() {
        ObjectNode workflow = SampleWorkflows.small(1, 1);
        inputs(workflow, "5").put("width", 8).put("height", 20000);
        inputs(workflow, "3").put("steps", "many").put("cfg", -1);
        JsonNode nodeErrors = submit(workflow).json().get("node_errors");
        JsonNode latent = nodeErrors.get("5").get("errors");
        assertEquals("value_smaller_than_min", latent.get(0).get("type").asText());
        assertEquals("Value 8 smaller than min of 16", latent.get(0).get("message").asText());
        assertEquals("width", latent.get(0).get("details").asText());
        assertEquals("value_bigger_than_max", latent.get(1).get("type").asText());
        assertEquals("Value 20000 bigger than max of 16384", latent.get(1).get("message").asText());
        JsonNode sampler = nodeErrors.get("3").get("errors");
        assertEquals("invalid_input_type", sampler.get(0).get("type").asText());
        assertEquals("Failed to convert an input value to a INT value", sampler.get(0).get("message").asText());
        assertEquals("steps, many, invalid literal for int() with base 10: 'many'", sampler.get(0).get("details").asText());
        assertEquals("Value -1.0 smaller than min of 0.0", sampler.get(1).get("message").asText());
        assertEquals("[\"9\"]", nodeErrors.get("5").get("dependent_outputs").toString());
    }

    @Test
    void linkProblemsAreReported() {
        ObjectNode missingInput = SampleWorkflows.small(1, 1);
        inputs(missingInput, "8").remove("vae");
        JsonNode reason = submit(missingInput).json().get("node_errors").get("8").get("errors").get(0);
        assertEquals("required_input_missing", reason.get("type").asText());
        assertEquals("Required input is missing", reason.get("message").asText());
        assertEquals("vae", reason.get("details").asText());

        ObjectNode wrongType = SampleWorkflows.small(1, 1);
        inputs(wrongType, "8").set("vae", Json.array().add("4").add(1));
        JsonNode mismatch = submit(wrongType).json().get("node_errors").get("8").get("errors").get(0);
        assertEquals("return_type_mismatch", mismatch.get("type").asText());
        assertEquals("vae, received_type(CLIP) mismatch input_type(VAE)", mismatch.get("details").asText());

        ObjectNode badLink = SampleWorkflows.small(1, 1);
        inputs(badLink, "8").set("vae", Json.array().add("4"));
        assertEquals("bad_linked_input", submit(badLink).json().get("node_errors").get("8").get("errors").get(0).get("type").asText());

        ObjectNode danglingLink = SampleWorkflows.small(1, 1);
        inputs(danglingLink, "8").set("vae", Json.array().add("99").add(0));
        JsonNode dangling = submit(danglingLink).json().get("node_errors");
        JsonNode inner = dangling.get("8").get("errors").get(0);
        assertEquals("exception_during_inner_validation", inner.get("type").asText(),
                "a link to a missing node raises KeyError in ComfyUI, reported on the linking node by its caller");
        assertEquals("'99'", inner.get("details").asText());
        assertEquals("KeyError", inner.get("extra_info").get("exception_type").asText());
    }

    @Test
    void partlyValidPromptsRunTheirGoodOutputs() {
        ObjectNode workflow = SampleWorkflows.small(1, 1);
        ObjectNode broken = workflow.putObject("20");
        broken.put("class_type", "SaveImage");
        broken.putObject("inputs").put("filename_prefix", "broken");
        TestApi.Response response = submit(workflow);
        assertEquals(200, response.status());
        JsonNode nodeErrors = response.json().get("node_errors");
        assertEquals("required_input_missing", nodeErrors.get("20").get("errors").get(0).get("type").asText());
        String id = response.json().get("prompt_id").asText();
        assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
        JsonNode entry = api.get("/history/" + id).json().get(id);
        assertEquals("[\"9\"]", entry.get("prompt").get(4).toString());
    }

    @Test
    void loadImageOfAMissingFileFailsCustomValidation() {
        ObjectNode workflow = SampleWorkflows.small(1, 1);
        workflow.putObject("10").put("class_type", "LoadImage").putObject("inputs").put("image", "absent.png");
        ObjectNode preview = workflow.putObject("11");
        preview.put("class_type", "PreviewImage");
        preview.putObject("inputs").set("images", Json.array().add("10").add(0));
        workflow.remove("9");
        JsonNode reason = submit(workflow).json().get("node_errors").get("10").get("errors").get(0);
        assertEquals("custom_validation_failed", reason.get("type").asText());
        assertEquals("image - Invalid image file: absent.png", reason.get("details").asText());
    }
}
