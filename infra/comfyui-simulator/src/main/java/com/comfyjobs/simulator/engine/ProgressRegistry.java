package com.comfyjobs.simulator.engine;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * comfy_execution.progress.ProgressRegistry with its WebUI handler: every start, update and finish of a
 * node sends a progress_state with the state of all nodes touched so far. The value types follow
 * ComfyUI's: a start is 0.0/1.0 (floats), sampler updates are integers, a finish copies max.
 */
final class ProgressRegistry {
    private final String promptId;
    private final Consumer<ObjectNode> sender;
    private final Map<String, NodeState> nodes = new LinkedHashMap<>();

    private static final class NodeState {
        private String state = "pending";
        private JsonNode value = Json.nodes().numberNode(0);
        private JsonNode max = Json.nodes().numberNode(1);
    }

    ProgressRegistry(String promptId, Consumer<ObjectNode> sender) {
        this.promptId = promptId;
        this.sender = sender;
    }

    void start(String nodeId) {
        NodeState node = nodes.computeIfAbsent(nodeId, id -> new NodeState());
        node.state = "running";
        node.value = Json.nodes().numberNode(0.0);
        node.max = Json.nodes().numberNode(1.0);
        send();
    }

    void update(String nodeId, int value, int max) {
        NodeState node = nodes.computeIfAbsent(nodeId, id -> new NodeState());
        node.state = "running";
        node.value = Json.nodes().numberNode(value);
        node.max = Json.nodes().numberNode(max);
        send();
    }

    void finish(String nodeId) {
        NodeState node = nodes.computeIfAbsent(nodeId, id -> new NodeState());
        node.state = "finished";
        node.value = node.max;
        send();
    }

    private void send() {
        ObjectNode data = Json.object();
        data.put("prompt_id", promptId);
        ObjectNode active = data.putObject("nodes");
        nodes.forEach((id, node) -> {
            ObjectNode entry = active.putObject(id);
            entry.set("value", node.value);
            entry.set("max", node.max);
            entry.put("state", node.state);
            entry.put("node_id", id);
            entry.put("prompt_id", promptId);
            entry.put("display_node_id", id);
            entry.putNull("parent_node_id");
            entry.put("real_node_id", id);
        });
        sender.accept(data);
    }
}
