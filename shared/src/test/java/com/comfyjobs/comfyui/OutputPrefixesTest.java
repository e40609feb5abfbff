package com.comfyjobs.comfyui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.JobFolder;
import com.comfyjobs.simulator.nodes.SaveImagePath;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every node with a filename_prefix, whatever it saves, is pointed into the job attempt's folder, and
 * no prefix a caller writes gets a file anywhere else: checked against ComfyUI's own path rules
 * (the simulator's get_save_image_path).
 */
class OutputPrefixesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FOLDER = JobFolder.of("0b7e6d1c-0000-4000-8000-000000000001", 3);

    @TempDir
    Path comfyOutput;

    private static ObjectNode node(ObjectNode graph, String id, String classType, Object prefix) {
        ObjectNode n = graph.putObject(id).put("class_type", classType);
        ObjectNode inputs = n.putObject("inputs");
        inputs.putArray("images").add("8").add(0);
        if (prefix != null) {
            inputs.set("filename_prefix", JSON.valueToTree(prefix));
        }
        return n;
    }

    private static ObjectNode inputs(ObjectNode node) {
        return (ObjectNode) node.get("inputs");
    }

    @Test
    void everyKindOfSaverWritesIntoTheFolderAndKeepsItsName() {
        Map<String, String> savers = new LinkedHashMap<>();
        savers.put("SaveImage", "ComfyUI");
        savers.put("SaveAnimatedWEBP", "ComfyUI");
        savers.put("SaveAnimatedPNG", "anim");
        savers.put("SaveVideo", "video/ComfyUI");
        savers.put("SaveWEBM", "video/clip");
        savers.put("SaveAudio", "audio/ComfyUI");
        savers.put("SaveAudioMP3", "audio/voice");
        savers.put("SaveLatent", "latents/ComfyUI");
        savers.put("SaveLoRA", "loras/ComfyUI_trained_lora");
        savers.put("CheckpointSave", "checkpoints/ComfyUI");
        savers.put("VHS_VideoCombine", "AnimateDiff");
        savers.put("SomeCustomPackSaver", "my_output");
        ObjectNode graph = JSON.createObjectNode();
        int id = 10;
        for (Map.Entry<String, String> s : savers.entrySet()) {
            node(graph, Integer.toString(id++), s.getKey(), s.getValue());
        }

        OutputPrefixes.into(graph, FOLDER);

        id = 10;
        for (Map.Entry<String, String> s : savers.entrySet()) {
            String expected = FOLDER + "/" + s.getValue().substring(s.getValue().lastIndexOf('/') + 1);
            assertEquals(expected, graph.get(Integer.toString(id++)).get("inputs").get("filename_prefix").asText(), s.getKey());
        }
    }

    @Test
    void nodesWithoutAPrefixAreLeftAsTheyAre() {
        ObjectNode graph = JSON.createObjectNode();
        node(graph, "1", "PreviewImage", null);
        graph.putObject("2").put("class_type", "KSampler").putObject("inputs").put("seed", 5).put("steps", 20);
        graph.putObject("3").put("class_type", "LoadImage").putObject("inputs").put("image", "example.png");
        graph.putObject("4").put("class_type", "Note").put("text", "no inputs object at all");
        ObjectNode before = graph.deepCopy();

        OutputPrefixes.into(graph, FOLDER);

        assertEquals(before, graph);
    }

    @Test
    void aPrefixThatIsNoTextBecomesComfyUisDefault() {
        ObjectNode graph = JSON.createObjectNode();
        inputs(node(graph, "1", "SaveImage", null)).putArray("filename_prefix").add("20").add(0);
        node(graph, "2", "SaveImage", 42);
        inputs(node(graph, "3", "SaveImage", null)).putNull("filename_prefix");
        inputs(node(graph, "4", "SaveImage", null)).putObject("filename_prefix").put("__value__", "x");

        OutputPrefixes.into(graph, FOLDER);

        for (String id : new String[] {"1", "2", "3", "4"}) {
            assertEquals(FOLDER + "/ComfyUI", graph.get(id).get("inputs").get("filename_prefix").asText(), id);
        }
    }

    @Test
    void hostilePrefixesKeepOnlyAHarmlessName() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("../../../etc/passwd", "passwd");
        cases.put("/abs/path/x", "x");
        cases.put("C:\\Windows\\System32\\evil", "evil");
        cases.put("comfyjobs/someone-elses-job-1/ComfyUI", "ComfyUI");
        cases.put("..", "ComfyUI");
        cases.put("a/..", "ComfyUI");
        cases.put("odd..name", "odd.name");
        cases.put("...", "ComfyUI");
        cases.put(".hidden", "hidden");
        cases.put("", "ComfyUI");
        cases.put("/", "ComfyUI");
        cases.put("画像/写真", "ComfyUI");
        cases.put("naïve café", "navecaf");
        cases.put("%date:yyyy-MM-dd%_%batch_num%", "dateyyyy-MM-dd_batch_num");
        cases.put("a\u0000b\nc\td", "abcd");
        cases.put("x".repeat(1000), "x".repeat(OutputPrefixes.MAX_BASE_CHARS));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            assertEquals(c.getValue(), OutputPrefixes.safeBase(c.getKey()), c.getKey());
        }
    }

    /** What ComfyUI does with each rewritten prefix: every file lands in the folder, and /history says so. */
    @Test
    void comfyUiSavesEveryRewrittenPrefixInTheFolderAndNowhereElse() throws Exception {
        String[] hostile = {"../../../etc/passwd", "/abs/path/x", "C:\\x\\y", "a/../../b", "..", "画像", "x".repeat(5000),
                "%year%/%month%/x", "//server/share/x", "./.././x", "a/b/c/d/e"};
        for (String prefix : hostile) {
            ObjectNode graph = JSON.createObjectNode();
            node(graph, "9", "SaveImage", prefix);
            OutputPrefixes.into(graph, FOLDER);
            JsonNode rewritten = graph.get("9").get("inputs").get("filename_prefix");

            SaveImagePath where = SaveImagePath.resolve(rewritten.asText(), comfyOutput, 64, 64);

            assertEquals(FOLDER, where.subfolder(), prefix);
            assertEquals(comfyOutput.resolve(FOLDER), where.folder(), prefix);
            assertFalse(where.fileName(0).contains("/"), prefix);
            assertFalse(where.fileName(0).contains(".."), prefix);
            assertTrue(where.fileName(0).length() < 100, prefix);
        }
    }
}
