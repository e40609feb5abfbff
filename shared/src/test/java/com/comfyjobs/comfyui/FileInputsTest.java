package com.comfyjobs.comfyui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.Workflow;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The file-input rule on graphs: the attacks the local stack let through, and what must stay free. */
class FileInputsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectInfo SERVER;

    static {
        try {
            SERVER = ObjectInfo.parse(JSON.readTree("""
                    {"LoadImage": {"input": {"required": {"image": [["example.png"], {"image_upload": true}]}}},
                     "CheckpointLoaderSimple": {"input": {"required": {"ckpt_name": [["v1-5.safetensors", "sdxl/base.safetensors"], {}]}}},
                     "CLIPTextEncode": {"input": {"required": {"text": ["STRING", {"multiline": true}], "clip": ["CLIP", {}]}}},
                     "PictureLoader": {"input": {"required": {"picture": ["COMBO", {"image_upload": true}], "strength": ["FLOAT", {}]}}},
                     "SaveImage": {"input": {"required": {"images": ["IMAGE", {}], "filename_prefix": ["STRING", {"default": "ComfyUI"}]}}}}
                    """));
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static Workflow graph(String node, String classType, String input, Object value) {
        ObjectNode g = JSON.createObjectNode();
        ObjectNode inputs = g.putObject(node).put("class_type", classType).putObject("inputs");
        inputs.set(input, JSON.valueToTree(value));
        return Workflow.parse(g.toString());
    }

    private static List<String> problems(Workflow graph, Set<String> filled, ObjectInfo info) {
        return FileInputs.check(graph, filled, info).stream().map(FileInputViolation::message).toList();
    }

    private static String onlyProblem(Workflow graph, ObjectInfo info) {
        List<String> p = problems(graph, Set.of(), info);
        assertEquals(1, p.size(), p.toString());
        return p.get(0);
    }

    @Test
    void theThreeAttacksAreRefusedNamingNodeAndInputWithOrWithoutAServer() {
        for (ObjectInfo info : List.of(SERVER, ObjectInfo.unknown())) {
            String output = onlyProblem(graph("10", "LoadImage", "image", "ComfyUI_00001_.png [output]"), info);
            assertEquals("node \"10\" (\"LoadImage\") input \"image\" loads a file and takes only an image the job uploads (a request's"
                    + " \"images\" or a template's image param bound to \"10.inputs.image\"): its value names a ComfyUI folder with an [output], [input] or [temp] annotation", output);
            assertTrue(onlyProblem(graph("10", "LoadImage", "image", "../../../../etc/hostname"), info).endsWith("steps out of its folder with '..'"));
            assertTrue(onlyProblem(graph("10", "LoadImage", "image", "/etc/passwd"), info).endsWith("is an absolute path"));
        }
    }

    @Test
    void everyPathShapeThatLeavesTheFolderIsNamed() {
        for (String value : List.of("x.png [input]", "x.png [temp]", "x.png[output]", "  x.png [output]  ")) {
            assertEquals(java.util.Optional.of("names a ComfyUI folder with an [output], [input] or [temp] annotation"), FileInputs.pathProblem(value), value);
        }
        for (String value : List.of("/etc/passwd", "//server/share/x.png", "\\\\server\\share\\x.png", "\\Windows\\win.ini", "C:\\Windows\\win.ini",
                "c:/x.png", "D:relative.png")) {
            assertEquals(java.util.Optional.of("is an absolute path"), FileInputs.pathProblem(value), value);
        }
        for (String value : List.of("..", "../x", "a/../../x", "a\\..\\..\\x", "sub/ .. /x")) {
            assertEquals(java.util.Optional.of("steps out of its folder with '..'"), FileInputs.pathProblem(value), value);
        }
        for (String value : List.of("x.png", "sdxl/model.safetensors", "sdxl\\model.safetensors", "v1..5.safetensors", "..hidden", "a/b/c.ckpt",
                "x [output] y.png")) {
            assertEquals(java.util.Optional.empty(), FileInputs.pathProblem(value), value);
        }
    }

    @Test
    void aFileInputTakesOnlyAnImageTheJobBindsToIt() {
        Workflow plain = graph("10", "LoadImage", "image", "example.png");
        assertTrue(onlyProblem(plain, SERVER).contains("loads a file and takes only an image the job uploads"),
                "a file already on the server is someone else's");
        assertEquals(List.of(), problems(plain, Set.of("10.inputs.image"), SERVER), "its value is replaced by the staged image");
        assertEquals(List.of(), problems(graph("10", "LoadImage", "image", "../../x [output]"), Set.of("10.inputs.image"), SERVER));
        assertEquals(1, problems(plain, Set.of("11.inputs.image", "10.inputs.other"), SERVER).size(), "another node's or input's image does not count");
        assertEquals(1, problems(graph("10", "LoadImage", "image", List.of("5", 0)), Set.of(), SERVER).size(),
                "a link could carry any text another node makes");
        assertEquals(1, problems(graph("10", "LoadImage", "image", 7), Set.of(), SERVER).size());
    }

    @Test
    void promptTextAndOtherStringsAreNeverLookedAt() {
        for (ObjectInfo info : List.of(SERVER, ObjectInfo.unknown())) {
            assertEquals(List.of(), problems(graph("6", "CLIPTextEncode", "text", "../../etc/passwd [output] /etc/shadow C:\\x"), Set.of(), info));
            assertEquals(List.of(), problems(graph("9", "SaveImage", "filename_prefix", "../x"), Set.of(), info));
            assertEquals(List.of(), problems(graph("7", "PictureLoader", "strength", "../../x"), Set.of(), info));
        }
    }

    @Test
    void comboValuesStayFreeSubfoldersIncludedButNeverLeaveTheirFolder() {
        assertEquals(List.of(), problems(graph("4", "CheckpointLoaderSimple", "ckpt_name", "sdxl/base.safetensors"), Set.of(), SERVER));
        assertEquals(List.of(), problems(graph("4", "CheckpointLoaderSimple", "ckpt_name", "sdxl\\base.safetensors"), Set.of(), SERVER));
        assertEquals(List.of(), problems(graph("4", "CheckpointLoaderSimple", "ckpt_name", "not-installed.safetensors"), Set.of(), SERVER),
                "whether a model exists is ComfyUI's to say");
        assertTrue(onlyProblem(graph("4", "CheckpointLoaderSimple", "ckpt_name", "../../x.safetensors"), SERVER)
                .endsWith("picks a file outside ComfyUI's lists: its value steps out of its folder with '..'"));
        assertTrue(onlyProblem(graph("4", "CheckpointLoaderSimple", "ckpt_name", "ComfyUI_00001_.png [output]"), SERVER).contains("annotation"));
        assertEquals(List.of(), problems(graph("4", "CheckpointLoaderSimple", "ckpt_name", "../../x.safetensors"), Set.of(), ObjectInfo.unknown()),
                "without a server a combo is not known as one, and ComfyUI's own list check still refuses the value");
    }

    @Test
    void fileInputsAreKnownByTheServersFlagsTheCoreListAndTheirNames() {
        assertEquals(1, problems(graph("3", "PictureLoader", "picture", "mine.png"), Set.of(), SERVER).size(), "flagged by /object_info");
        assertEquals(List.of(), problems(graph("3", "PictureLoader", "picture", "mine.png"), Set.of(), ObjectInfo.unknown()),
                "a custom node's flag is known only from a server; dispatch checks again with the chosen one");
        for (String[] core : new String[][] {{"LoadImageMask", "image"}, {"LoadImageOutput", "image"}, {"LoadLatent", "latent"},
                {"LoadAudio", "audio"}, {"LoadVideo", "file"}, {"LoadImageDataSetFromFolder", "folder"}, {"WebcamCapture", "image"}}) {
            assertEquals(1, problems(graph("1", core[0], core[1], "x"), Set.of(), ObjectInfo.unknown()).size(), core[0]);
        }
        for (String name : List.of("path", "image_path", "file", "model_file", "directory", "output_directory", "dir", "save_dir",
                "folder", "input_folder", "Image_Path")) {
            assertEquals(1, problems(graph("1", "AnyCustomNode", name, "x"), Set.of(), ObjectInfo.unknown()).size(), name);
        }
        for (String name : List.of("profile", "filename_prefix", "pathway", "text", "filter", "dirt", "folders_count")) {
            assertEquals(List.of(), problems(graph("1", "AnyCustomNode", name, "../x"), Set.of(), ObjectInfo.unknown()), name);
        }
    }

    @Test
    void callerTextInMessagesIsShortenedAndCleaned() {
        String message = onlyProblem(graph("10", "Load\u0000" + "X".repeat(500), "image_path", "/x"), ObjectInfo.unknown());
        assertTrue(message.contains("(\"Load?XXX") && message.contains("...\")") && message.length() < 400, message);
    }
}
