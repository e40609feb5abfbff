package com.comfyjobs.bench;

import com.comfyjobs.job.Workflow;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Workflows for the benchmarks: ComfyUI's default one, and one padded to a typical 20 KB. */
final class BenchWorkflows {
    private static final ObjectMapper JSON = new ObjectMapper();

    private BenchWorkflows() {
    }

    /** ComfyUI's default workflow, compact as SubmitRequest keeps it. */
    static Workflow standard() {
        return Workflow.parse(tree().toString());
    }

    /** The default workflow as a tree, to change before it is parsed. */
    static ObjectNode tree() {
        try {
            return (ObjectNode) JSON.readTree(BenchWorkflows.class.getResourceAsStream("/workflows/default-txt2img.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The default workflow; tiny in the sense that it has no large inputs. */
    static Workflow tiny() {
        return standard();
    }

    /** The default workflow grown to about {@code bytes} with long prompts, as real workflows carry. */
    static Workflow padded(int bytes) {
        ObjectNode wf = tree();
        int missing = bytes - standard().json().length();
        StringBuilder text = new StringBuilder("a lighthouse on a cliff at dawn, oil painting");
        while (text.length() < missing) {
            text.append(", intricate detail, volumetric light, golden hour");
        }
        ((ObjectNode) wf.get("6").get("inputs")).put("text", text.substring(0, Math.max(10, missing)));
        return Workflow.parse(wf.toString());
    }
}
