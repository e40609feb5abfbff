package com.comfyjobs.comfyui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.Workflow;
import com.comfyjobs.simulator.json.Json;
import com.comfyjobs.testing.JobFixtures;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The graph we send and the graph ComfyUI's /history shows for it hash alike although Python wrote
 * the second (other key order, number spelling, escapes, and the input values validation converted),
 * and any change that makes it another graph changes the hash.
 */
class GraphHashTest {
    /** As ComfyUiClient reads /history. */
    private static final JsonMapper HISTORY = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private static String hash(String json) {
        try {
            return GraphHash.of(HISTORY.readTree(json));
        } catch (IOException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    private static String sampler(String inputs) {
        return "{\"3\": {\"class_type\": \"KSampler\", \"inputs\": {" + inputs + "}}}";
    }

    @Test
    void keyOrderAndWhitespaceDoNotCount() {
        assertEquals(hash("{\"3\":{\"class_type\":\"KSampler\",\"inputs\":{\"seed\":5,\"model\":[\"4\",0]}},\"4\":{\"inputs\":{},\"class_type\":\"X\"}}"),
                hash("{ \"4\": {\"class_type\": \"X\", \"inputs\": {}},\n  \"3\": {\"inputs\": {\"model\": [\"4\", 0], \"seed\": 5}, \"class_type\": \"KSampler\"} }"));
    }

    @Test
    void aNumberIsItsValueHoweverItIsSpelled() {
        String eight = hash(sampler("\"cfg\": 8"));
        for (String spelling : new String[] {"8.0", "8e0", "80e-1", "8.000", "0.8E+1"}) {
            assertEquals(eight, hash(sampler("\"cfg\": " + spelling)), spelling);
        }
        assertEquals(hash(sampler("\"denoise\": 0.1")), hash(sampler("\"denoise\": 1e-1")));
        assertEquals(hash(sampler("\"x\": 10000000000000000.0")), hash(sampler("\"x\": 1e+16")), "Java's and Python's spellings of one float");
        assertEquals(hash(sampler("\"x\": 0.00001")), hash(sampler("\"x\": 1e-05")));
        assertEquals(hash(sampler("\"seed\": 18446744073709551615")), hash(sampler("\"seed\": 18446744073709551615")));
        assertEquals(hash(sampler("\"x\": 1e400")), hash(sampler("\"x\": Infinity")), "Python's float overflows to inf and dumps Infinity");
        assertEquals(hash(sampler("\"x\": 0.1000000000000000055511151231257827")), hash(sampler("\"x\": 0.1")), "one double");
    }

    @Test
    void stringsAreTheirCharactersWhateverTheEscapes() {
        assertEquals(hash(sampler("\"text\": \"café 😀\"")), hash(sampler("\"text\": \"caf\\u00e9 \\ud83d\\ude00\"")));
        assertEquals(hash(sampler("\"text\": \"a/b\"")), hash(sampler("\"text\": \"a\\/b\"")));
        assertNotEquals(hash(sampler("\"text\": \"\\ud800\"")), hash(sampler("\"text\": \"\\ud801\"")), "lone surrogates stay apart");
    }

    /** What ComfyUI's validate_inputs writes back into the graph it keeps. */
    @Test
    void inputValuesComfyUiConvertedHashAsSent() {
        assertEquals(hash(sampler("\"cfg\": 8")), hash(sampler("\"cfg\": 8.0")), "FLOAT input given an int");
        assertEquals(hash(sampler("\"steps\": \"20\"")), hash(sampler("\"steps\": 20")), "INT input given text");
        assertEquals(hash(sampler("\"cfg\": \"7.5\"")), hash(sampler("\"cfg\": 7.5")), "FLOAT input given text");
        assertEquals(hash(sampler("\"text\": 5")), hash(sampler("\"text\": \"5\"")), "STRING input given a number");
        assertEquals(hash(sampler("\"text\": 1e16")), hash(sampler("\"text\": \"1e+16\"")), "STRING input given a float: Python's str");
        assertEquals(hash(sampler("\"v\": {\"__value__\": [1, 2]}")), hash(sampler("\"v\": [1, 2]")), "a list value unwrapped");
    }

    @Test
    void anythingThatMakesItAnotherGraphChangesTheHash() {
        String base = hash(sampler("\"seed\": 5, \"model\": [\"4\", 0], \"sampler_name\": \"euler\""));
        String[] others = {
                sampler("\"seed\": 6, \"model\": [\"4\", 0], \"sampler_name\": \"euler\""),
                sampler("\"seed\": 5, \"model\": [\"4\", 1], \"sampler_name\": \"euler\""),
                sampler("\"seed\": 5, \"model\": [\"5\", 0], \"sampler_name\": \"euler\""),
                sampler("\"seed\": 5, \"model\": [\"4\", 0], \"sampler_name\": \"euler_a\""),
                sampler("\"seed\": 5, \"model\": [\"4\", 0], \"sampler\": \"euler\""),
                sampler("\"seed\": 5, \"model\": [\"4\", 0]"),
                sampler("\"seed\": 5.5, \"model\": [\"4\", 0], \"sampler_name\": \"euler\""),
                sampler("\"seed\": 5, \"model\": [\"4\", 0], \"sampler_name\": \"euler\", \"extra\": null"),
                "{\"3\": {\"class_type\": \"KSamplerAdvanced\", \"inputs\": {\"seed\": 5, \"model\": [\"4\", 0], \"sampler_name\": \"euler\"}}}",
                "{\"30\": {\"class_type\": \"KSampler\", \"inputs\": {\"seed\": 5, \"model\": [\"4\", 0], \"sampler_name\": \"euler\"}}}",
                "{\"3\": {\"class_type\": \"KSampler\", \"inputs\": {\"seed\": 5, \"model\": [\"4\", 0], \"sampler_name\": \"euler\"},"
                        + " \"_meta\": {\"title\": \"x\"}}}",
        };
        for (String other : others) {
            assertNotEquals(base, hash(other), other);
        }
        assertNotEquals(hash("{\"9\": {\"class_type\": \"SaveImage\", \"inputs\": {\"filename_prefix\": \"comfyjobs/j-1/ComfyUI\"}}}"),
                hash("{\"9\": {\"class_type\": \"SaveImage\", \"inputs\": {\"filename_prefix\": \"comfyjobs/j-1/ComfyUl\"}}}"));
    }

    /** Outside a node's inputs, types count as written: only validation converts, and only inputs. */
    @Test
    void numberAndTextAreTwoThingsOutsideTheInputs() {
        assertNotEquals(hash("{\"3\": {\"class_type\": \"X\", \"inputs\": {}, \"_meta\": {\"n\": 5}}}"),
                hash("{\"3\": {\"class_type\": \"X\", \"inputs\": {}, \"_meta\": {\"n\": \"5\"}}}"));
        assertNotEquals(hash(sampler("\"v\": [5]")), hash(sampler("\"v\": [\"5\"]")));
    }

    /** The graph a job sends, written back the way ComfyUI's aiohttp answers /history (", " and ": ", non-ASCII escaped). */
    @Test
    void theGraphAJobSendsHashesAsComfyUiWritesItBack() throws IOException {
        Workflow workflow = JobFixtures.defaultWorkflow(g -> {
            ((ObjectNode) g.get("3").get("inputs")).put("cfg", 8).put("denoise", 1.0);
            ((ObjectNode) g.get("6").get("inputs")).put("text", "un château, ☀ 晴れ");
        });
        PromptGraph sent = PromptGraph.of("0b7e6d1c-0000-4000-8000-000000000001", 1, workflow);
        String python = Json.python(HISTORY.readTree(sent.workflow().json()));
        assertTrue(python.toLowerCase(Locale.ROOT).contains("\\u00e2teau") && python.contains("\"cfg\": 8,"), python);
        String validated = python.replace("\"cfg\": 8,", "\"cfg\": 8.0,");

        assertEquals(sent.sent().sha256(), hash(validated));
    }
}
