package com.comfyjobs.simulator;

import static com.comfyjobs.simulator.Pictures.graph;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * validate_prompt on the image nodes: each out-of-range value, unknown option, missing file and
 * mislinked input gets ComfyUI's reason, word for word (ComfyUI walks a node's inputs in set order, so
 * the reasons of one node are compared as a set); the optional mask may be left out; BOOLEAN goes
 * through Python's bool().
 */
class ImageNodeValidationTest {
    private static ComfyUiSimulator sim;
    private static TestApi api;

    @BeforeAll
    static void start() {
        sim = ComfyUiSimulator.builder().port(0).stepMillis(0).nodeMillis(0).build().start();
        api = new TestApi(sim);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static JsonNode refused(String json) {
        TestApi.Response response = api.post("/prompt", SampleWorkflows.request(graph(json), null));
        assertEquals(400, response.status(), response.text());
        JsonNode body = response.json();
        assertEquals("prompt_outputs_failed_validation", body.get("error").get("type").asText());
        return body.get("node_errors");
    }

    private static TreeSet<String> reasons(JsonNode nodeErrors, String node) {
        TreeSet<String> reasons = new TreeSet<>();
        nodeErrors.get(node).get("errors").forEach(error -> reasons.add(error.toString()));
        return reasons;
    }

    private static String range(String type, String message, String input, String config, String received) {
        return "{\"type\":\"" + type + "\",\"message\":\"" + message + "\",\"details\":\"" + input + "\",\"extra_info\":{\"input_name\":\""
                + input + "\",\"input_config\":" + config + ",\"received_value\":" + received + "}}";
    }

    @Test
    void outOfRangeValuesAndUnknownOptionsGetComfyUisReasons() {
        JsonNode errors = refused("{"
                + "\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 0, \"height\": 8, \"batch_size\": 1, \"color\": 16777216}},"
                + "\"2\": {\"class_type\": \"ImageBlur\", \"inputs\": {\"image\": [\"1\", 0], \"blur_radius\": 32, \"sigma\": 0.05}},"
                + "\"3\": {\"class_type\": \"ImageScaleBy\", \"inputs\": {\"image\": [\"2\", 0], \"upscale_method\": \"area\", \"scale_by\": 9}},"
                + "\"4\": {\"class_type\": \"ImageScale\", \"inputs\": {\"image\": [\"3\", 0], \"upscale_method\": \"cubic\", \"width\": 16385,"
                + " \"height\": 8, \"crop\": \"disabled\"}},"
                + "\"5\": {\"class_type\": \"ImageCrop\", \"inputs\": {\"image\": [\"4\", 0], \"width\": 8, \"height\": 8, \"x\": -1, \"y\": 0}},"
                + "\"6\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"5\", 0], \"filename_prefix\": \"v\"}}}");
        assertEquals(List.of("1", "2", "3", "4", "5"), ExecutionTest.names(errors));
        String side = "[\"INT\",{\"default\":512,\"min\":1,\"max\":16384,\"step\":1}]";
        assertEquals(new TreeSet<>(List.of(
                range("value_smaller_than_min", "Value 0 smaller than min of 1", "width", side, "0"),
                range("value_bigger_than_max", "Value 16777216 bigger than max of 16777215", "color",
                        "[\"INT\",{\"default\":0,\"min\":0,\"max\":16777215,\"step\":1,\"display\":\"color\"}]", "16777216"))),
                reasons(errors, "1"));
        assertEquals(new TreeSet<>(List.of(
                range("value_bigger_than_max", "Value 32 bigger than max of 31", "blur_radius",
                        "[\"INT\",{\"default\":1,\"min\":1,\"max\":31,\"step\":1}]", "32"),
                range("value_smaller_than_min", "Value 0.05 smaller than min of 0.1", "sigma",
                        "[\"FLOAT\",{\"default\":1.0,\"min\":0.1,\"max\":10.0,\"step\":0.1}]", "0.05"))),
                reasons(errors, "2"));
        assertEquals(new TreeSet<>(List.of(range("value_bigger_than_max", "Value 9.0 bigger than max of 8.0", "scale_by",
                "[\"FLOAT\",{\"default\":1.0,\"min\":0.01,\"max\":8.0,\"step\":0.01}]", "9.0"))), reasons(errors, "3"),
                "scale_by went through float() before the check");
        String methods = "[\"nearest-exact\",\"bilinear\",\"area\",\"bicubic\",\"lanczos\"]";
        assertEquals(new TreeSet<>(List.of(
                range("value_bigger_than_max", "Value 16385 bigger than max of 16384", "width",
                        "[\"INT\",{\"default\":512,\"min\":0,\"max\":16384,\"step\":1}]", "16385"),
                "{\"type\":\"value_not_in_list\",\"message\":\"Value not in list\",\"details\":\"upscale_method: 'cubic' not in "
                        + "['nearest-exact', 'bilinear', 'area', 'bicubic', 'lanczos']\",\"extra_info\":{\"input_name\":\"upscale_method\","
                        + "\"input_config\":[" + methods + ",{}],\"received_value\":\"cubic\"}}")),
                reasons(errors, "4"));
        assertEquals(new TreeSet<>(List.of(range("value_smaller_than_min", "Value -1 smaller than min of 0", "x",
                "[\"INT\",{\"default\":0,\"min\":0,\"max\":16384,\"step\":1}]", "-1"))), reasons(errors, "5"));
        errors.properties().forEach(e -> assertEquals("[\"6\"]", e.getValue().get("dependent_outputs").toString()));
    }

    @Test
    void loadImageMaskChecksItsFileByItselfAndItsChannelAgainstTheList() {
        JsonNode errors = refused("{"
                + "\"1\": {\"class_type\": \"LoadImageMask\", \"inputs\": {\"image\": \"missing.png\", \"channel\": \"purple\"}},"
                + "\"2\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 8, \"height\": 8, \"batch_size\": 1, \"color\": 0}},"
                + "\"3\": {\"class_type\": \"ImageCompositeMasked\", \"inputs\": {\"destination\": [\"2\", 0], \"source\": [\"2\", 0],"
                + " \"x\": 0, \"y\": 0, \"resize_source\": false, \"mask\": [\"1\", 0]}},"
                + "\"4\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"3\", 0], \"filename_prefix\": \"v\"}}}");
        assertEquals(List.of("1"), ExecutionTest.names(errors));
        assertEquals(new TreeSet<>(List.of(
                "{\"type\":\"custom_validation_failed\",\"message\":\"Custom validation failed for node\","
                        + "\"details\":\"image - Invalid image file: missing.png\",\"extra_info\":{\"input_name\":\"image\"}}",
                "{\"type\":\"value_not_in_list\",\"message\":\"Value not in list\",\"details\":\"channel: 'purple' not in "
                        + "['alpha', 'red', 'green', 'blue']\",\"extra_info\":{\"input_name\":\"channel\","
                        + "\"input_config\":[[\"alpha\",\"red\",\"green\",\"blue\"],{}],\"received_value\":\"purple\"}}")),
                reasons(errors, "1"));
    }

    @Test
    void theMaskIsOptionalButMustBeAMask() {
        String nodes = "\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 2, \"height\": 2, \"batch_size\": 1, \"color\": 0}},"
                + "\"3\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"2\", 0], \"filename_prefix\": \"v\"}}";
        JsonNode errors = refused("{" + nodes + ", \"2\": {\"class_type\": \"ImageCompositeMasked\", \"inputs\": {\"source\": [\"1\", 0],"
                + " \"x\": 0, \"y\": 0, \"resize_source\": false, \"mask\": [\"1\", 0]}}}");
        assertEquals(new TreeSet<>(List.of(
                "{\"type\":\"required_input_missing\",\"message\":\"Required input is missing\",\"details\":\"destination\","
                        + "\"extra_info\":{\"input_name\":\"destination\"}}",
                "{\"type\":\"return_type_mismatch\",\"message\":\"Return type mismatch between linked nodes\","
                        + "\"details\":\"mask, received_type(IMAGE) mismatch input_type(MASK)\",\"extra_info\":{\"input_name\":\"mask\","
                        + "\"input_config\":[\"MASK\",{}],\"received_type\":\"IMAGE\",\"linked_node\":[\"1\",0]}}")),
                reasons(errors, "2"));

        TestApi.Response accepted = api.post("/prompt", SampleWorkflows.request(graph("{" + nodes + ", \"2\": {\"class_type\":"
                + " \"ImageCompositeMasked\", \"inputs\": {\"destination\": [\"1\", 0], \"source\": [\"1\", 0], \"x\": 0, \"y\": 0,"
                + " \"resize_source\": false}}}"), null));
        assertEquals(200, accepted.status(), accepted.text());
        assertEquals("{}", accepted.json().get("node_errors").toString());
    }

    @Test
    void booleanInputsGoThroughPythonsBool() {
        List<String> seen = new ArrayList<>();
        for (String given : new String[] {"\"false\"", "\"\"", "0", "2", "true"}) {
            TestApi.Response response = api.post("/prompt", SampleWorkflows.request(graph("{"
                    + "\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 2, \"height\": 2, \"batch_size\": 1, \"color\": 0}},"
                    + "\"2\": {\"class_type\": \"ImageCompositeMasked\", \"inputs\": {\"destination\": [\"1\", 0], \"source\": [\"1\", 0],"
                    + " \"x\": 0, \"y\": 0, \"resize_source\": " + given + "}},"
                    + "\"3\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"2\", 0], \"filename_prefix\": \"b\"}}}"), null));
            assertEquals(200, response.status(), response.text());
            String id = response.json().get("prompt_id").asText();
            assertTrue(sim.awaitIdle(java.time.Duration.ofSeconds(10)));
            seen.add(api.get("/history/" + id).json().get(id).get("prompt").get(2).get("2").get("inputs").get("resize_source").toString());
        }
        assertEquals(List.of("true", "false", "false", "true", "true"), seen, "bool('false') is True, as in ComfyUI");
    }
}
