package com.comfyjobs.simulator.engine;

import com.comfyjobs.simulator.nodes.NodeCatalog;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * comfy_execution.graph.ExecutionList: a topological dissolve of the graph from the outputs back, which
 * stops at cached nodes and picks among ready nodes the way ComfyUI's ux_friendly_pick_node does. The
 * default workflow therefore runs 4, 5, 7, 6, 3, 8, 9, as in ComfyUI.
 */
final class ExecutionList {
    private final ObjectNode prompt;
    private final NodeCatalog catalog;
    private final Predicate<String> cached;
    private final Map<String, Boolean> pendingNodes = new LinkedHashMap<>();
    private final Map<String, Integer> blockCount = new LinkedHashMap<>();
    private final Map<String, Map<String, Boolean>> blocking = new LinkedHashMap<>();
    private String staged;

    ExecutionList(ObjectNode prompt, NodeCatalog catalog, Predicate<String> cached) {
        this.prompt = prompt;
        this.catalog = catalog;
        this.cached = cached;
    }

    void addNode(String root) {
        Deque<String> stack = new ArrayDeque<>();
        stack.push(root);
        List<String[]> links = new ArrayList<>();
        while (!stack.isEmpty()) {
            String id = stack.pop();
            if (pendingNodes.containsKey(id)) {
                continue;
            }
            pendingNodes.put(id, true);
            blockCount.put(id, 0);
            blocking.put(id, new LinkedHashMap<>());
            prompt.get(id).get("inputs").properties().forEach(input -> {
                String from = linkSource(input.getValue());
                if (from != null && !cached.test(from)) {
                    stack.push(from);
                    links.add(new String[] {from, id});
                }
            });
        }
        for (String[] link : links) {
            addStrongLink(link[0], link[1]);
        }
    }

    private void addStrongLink(String from, String to) {
        if (cached.test(from)) {
            return;
        }
        addNode(from);
        if (blocking.get(from).putIfAbsent(to, true) == null) {
            blockCount.merge(to, 1, Integer::sum);
        }
    }

    boolean isEmpty() {
        return pendingNodes.isEmpty();
    }

    /** The next node to run; the graph was validated, so some node is always ready. */
    String stage() {
        List<String> ready = new ArrayList<>();
        pendingNodes.keySet().forEach(id -> {
            if (blockCount.get(id) == 0) {
                ready.add(id);
            }
        });
        staged = pick(ready);
        return staged;
    }

    void complete() {
        pendingNodes.remove(staged);
        blocking.remove(staged).keySet().forEach(blocked -> blockCount.merge(blocked, -1, Integer::sum));
        staged = null;
    }

    private String pick(List<String> ready) {
        for (String id : ready) {
            if (isOutput(id)) {
                return id;
            }
        }
        for (String id : ready) {
            for (String blocked : blocking.get(id).keySet()) {
                if (isOutput(blocked)) {
                    return id;
                }
            }
        }
        for (String id : ready) {
            for (String blocked : blocking.get(id).keySet()) {
                for (String next : blocking.get(blocked).keySet()) {
                    if (isOutput(next)) {
                        return id;
                    }
                }
            }
        }
        return ready.get(0);
    }

    private boolean isOutput(String id) {
        return catalog.get(prompt.get(id).get("class_type").asText()).map(d -> d.outputNode()).orElse(false);
    }

    /** The source node of a link input (ComfyUI's is_link), else null. */
    static String linkSource(JsonNode value) {
        if (value.isArray() && value.size() == 2 && value.get(0).isTextual() && value.get(1).isNumber()) {
            return value.get(0).textValue();
        }
        return null;
    }
}
