package com.comfyjobs.comfyui;

import com.comfyjobs.job.JobError;
import com.comfyjobs.job.JobOutput;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * One prompt's entry in ComfyUI's {@code /history/{id}}: how it ended (status_str, completed and the
 * last status message), what it wrote (each node's UI dict of files) and the graph that ran
 * ({@code prompt[2]}; null when the entry has none).
 */
public record HistoryEntry(String promptId, Outcome outcome, List<JobOutput> outputs, JobError error, JsonNode extraData,
                           JsonNode graph) {

    public enum Outcome {
        SUCCESS,
        ERROR,
        INTERRUPTED,
        /** An entry without a completed/failed status: ComfyUI wrote it but has not finished it. */
        UNFINISHED
    }

    public HistoryEntry {
        outputs = List.copyOf(outputs);
    }

    /** The {@link GraphHash} of the graph that ran under this prompt id; null when the entry shows none. */
    public String graphSha256() {
        return graph == null ? null : GraphHash.of(graph);
    }

    /** The same entry without the graph and extra data, for keeping many entries at once. */
    public HistoryEntry withoutGraph() {
        return new HistoryEntry(promptId, outcome, outputs, error, null, null);
    }

    /** Every file of type "output" ComfyUI listed: the deliverables. */
    public List<JobOutput> deliverables() {
        return outputs.stream().filter(JobOutput::isDeliverable).toList();
    }

    static HistoryEntry parse(String promptId, JsonNode entry) {
        JsonNode status = entry.path("status");
        String statusStr = status.path("status_str").asText("");
        boolean completed = status.path("completed").asBoolean(false);
        JsonNode lastMessage = null;
        for (JsonNode m : status.path("messages")) {
            lastMessage = m;
        }
        String lastType = lastMessage != null && lastMessage.isArray() ? lastMessage.path(0).asText() : "";
        JsonNode lastData = lastMessage != null && lastMessage.isArray() ? lastMessage.path(1) : null;

        Outcome outcome;
        JobError error = null;
        if ("success".equals(statusStr) && completed) {
            outcome = Outcome.SUCCESS;
        } else if ("error".equals(statusStr) && "execution_interrupted".equals(lastType)) {
            outcome = Outcome.INTERRUPTED;
            error = new JobError("interrupted", "execution was interrupted on ComfyUI", optText(lastData, "node_id"),
                    optText(lastData, "node_type"), null);
        } else if ("error".equals(statusStr)) {
            outcome = Outcome.ERROR;
            error = executionError(lastType, lastData);
        } else {
            outcome = Outcome.UNFINISHED;
        }
        JsonNode prompt = entry.path("prompt");
        JsonNode extra = prompt.isArray() && prompt.size() > 3 ? prompt.get(3) : null;
        JsonNode graph = prompt.isArray() && prompt.size() > 2 && prompt.get(2).isObject() ? prompt.get(2) : null;
        return new HistoryEntry(promptId, outcome, outputs(entry.path("outputs")), error, extra, graph);
    }

    /** The job error for an execution_error event's data, from a webhook or from history. */
    public static JobError executionError(String type, JsonNode data) {
        if (!"execution_error".equals(type) || data == null) {
            return JobError.of("execution_error", "ComfyUI reported an error");
        }
        String message = data.path("exception_message").asText("").strip();
        if (message.isEmpty()) {
            message = data.path("exception_type").asText("ComfyUI reported an error");
        }
        message = JobError.bounded(message);
        return new JobError("execution_error", message, optText(data, "node_id"), optText(data, "node_type"),
                data.hasNonNull("exception_type") ? data.get("exception_type").toString() : null);
    }

    /** Every file entry of a node output dict: any key whose value is a list of {filename, subfolder, type}. */
    public static List<JobOutput> outputs(JsonNode outputsByNode) {
        List<JobOutput> out = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> nodes = outputsByNode.fields();
        while (nodes.hasNext()) {
            Map.Entry<String, JsonNode> node = nodes.next();
            out.addAll(nodeOutputs(node.getKey(), node.getValue()));
        }
        return out;
    }

    public static List<JobOutput> nodeOutputs(String node, JsonNode uiDict) {
        List<JobOutput> out = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> kinds = uiDict.fields();
        while (kinds.hasNext()) {
            JsonNode list = kinds.next().getValue();
            if (!list.isArray()) {
                continue;
            }
            for (JsonNode file : list) {
                if (file.isObject() && file.path("filename").isTextual()) {
                    out.add(new JobOutput(node, file.get("filename").asText(), file.path("subfolder").asText(""),
                            file.path("type").asText("output")));
                }
            }
        }
        return out;
    }

    private static String optText(JsonNode n, String field) {
        if (n == null) {
            return null;
        }
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
