package com.comfyjobs.comfyui;

import com.comfyjobs.job.Workflow;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rule that keeps a workflow to its own files. ComfyUI's nodes that load a file take its name as
 * a string and resolve it themselves: {@code "x.png [output]"} reads another job's output,
 * {@code "../../etc/passwd"} or {@code "/etc/passwd"} any file the server can read. So an input that
 * loads a file may hold only an image this job uploaded (one the request binds to it, set to the
 * staged file at dispatch), in every graph, an admin's included.
 *
 * <p>An input loads a file when ComfyUI's /object_info flags it for upload ({@link ObjectInfo}), when
 * it is one of the core nodes' file and folder inputs below (some carry no flag, and they are known
 * when no server answers), or when its name says so ({@code path}, {@code file}, {@code directory},
 * {@code dir}, {@code folder}, alone or as a {@code _suffix}), which is how custom nodes that read a
 * path usually name it. Combos (a value from the server's own list: model names, subfolders such as
 * {@code sdxl/model.safetensors} included) stay free, but a combo value never carries an area
 * annotation, a {@code ..} step or an absolute path, which some nodes accept past their list. Every
 * other input (prompt text, numbers, links) is not looked at.
 */
public final class FileInputs {
    /** Core nodes' inputs that name a file or folder of ComfyUI's input, output or temp area. */
    static final Map<String, Set<String>> CORE_FILE_INPUTS = Map.ofEntries(
            Map.entry("LoadImage", Set.of("image")),
            Map.entry("LoadImageMask", Set.of("image")),
            Map.entry("LoadImageOutput", Set.of("image")),
            Map.entry("WebcamCapture", Set.of("image")),
            Map.entry("LoadLatent", Set.of("latent")),
            Map.entry("LoadAudio", Set.of("audio")),
            Map.entry("LoadVideo", Set.of("file")),
            Map.entry("Load3D", Set.of("model_file", "image")),
            Map.entry("Load3DAnimation", Set.of("model_file", "image")),
            Map.entry("LoadImageSetFromFolderNode", Set.of("folder")),
            Map.entry("LoadImageTextSetFromFolderNode", Set.of("folder")),
            Map.entry("LoadImageDataSetFromFolder", Set.of("folder")),
            Map.entry("LoadImageTextDataSetFromFolder", Set.of("folder")),
            Map.entry("LoadVideoDataSetFromFolder", Set.of("folder")),
            Map.entry("LoadVideoTextDataSetFromFolder", Set.of("folder")));
    private static final Pattern PATH_LIKE_NAME = Pattern.compile("(.*_)?(path|file|directory|dir|folder)");
    private static final Pattern WINDOWS_DRIVE = Pattern.compile("[A-Za-z]:.*");
    private static final ObjectMapper JSON = new ObjectMapper();

    private FileInputs() {
    }

    /**
     * Every input of {@code graph} that breaks the rule; empty when the graph keeps to its own files.
     *
     * @param filledByImages the inputs an image of the job fills ({@code "<node id>.inputs.<input>"}):
     *                       their values are replaced by the staged file at dispatch, so they are not looked at
     * @param objectInfo     the chosen server's /object_info, or {@link ObjectInfo#unknown()} when none answered
     */
    public static List<FileInputViolation> check(Workflow graph, Set<String> filledByImages, ObjectInfo objectInfo) {
        JsonNode root;
        try {
            root = JSON.readTree(graph.json());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed workflow is JSON", e);
        }
        List<FileInputViolation> found = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> nodes = root.fields();
        while (nodes.hasNext()) {
            Map.Entry<String, JsonNode> node = nodes.next();
            String classType = node.getValue().path("class_type").asText();
            Iterator<Map.Entry<String, JsonNode>> inputs = node.getValue().path("inputs").fields();
            while (inputs.hasNext()) {
                Map.Entry<String, JsonNode> input = inputs.next();
                String name = input.getKey();
                if (filledByImages.contains(new GraphInput(node.getKey(), name).toString())) {
                    continue;
                }
                Optional<ObjectInfo.InputKind> kind = objectInfo.kind(classType, name);
                JsonNode value = input.getValue();
                if (loadsAFile(classType, name, kind)) {
                    String shape = value.isTextual() ? pathProblem(value.textValue()).map(p -> ": its value " + p).orElse("") : "";
                    found.add(new FileInputViolation(node.getKey(), classType, name, "loads a file and takes only an image the job"
                            + " uploads (a request's \"images\" or a template's image param bound to \"" + new GraphInput(node.getKey(), name)
                            + "\")" + shape));
                } else if (kind.equals(Optional.of(ObjectInfo.InputKind.COMBO)) && value.isTextual()) {
                    pathProblem(value.textValue()).ifPresent(p -> found.add(new FileInputViolation(node.getKey(), classType, name,
                            "picks a file outside ComfyUI's lists: its value " + p)));
                }
            }
        }
        return found;
    }

    static boolean loadsAFile(String classType, String input, Optional<ObjectInfo.InputKind> kind) {
        return kind.equals(Optional.of(ObjectInfo.InputKind.FILE))
                || CORE_FILE_INPUTS.getOrDefault(classType, Set.of()).contains(input)
                || PATH_LIKE_NAME.matcher(input.toLowerCase(Locale.ROOT)).matches();
    }

    /**
     * What makes {@code value} a path out of the folder a node resolves it in: an area annotation
     * (ComfyUI's folder_paths reads any name ending in {@code [output]}, {@code [input]} or
     * {@code [temp]} from that area), a {@code ..} step, or an absolute POSIX, Windows drive or UNC path.
     */
    static Optional<String> pathProblem(String value) {
        String trimmed = value.strip();
        if (trimmed.endsWith("[output]") || trimmed.endsWith("[input]") || trimmed.endsWith("[temp]")) {
            return Optional.of("names a ComfyUI folder with an [output], [input] or [temp] annotation");
        }
        if (trimmed.startsWith("/") || trimmed.startsWith("\\") || WINDOWS_DRIVE.matcher(trimmed).matches()) {
            return Optional.of("is an absolute path");
        }
        for (String step : trimmed.split("[/\\\\]")) {
            if (step.strip().equals("..")) {
                return Optional.of("steps out of its folder with '..'");
            }
        }
        return Optional.empty();
    }
}
