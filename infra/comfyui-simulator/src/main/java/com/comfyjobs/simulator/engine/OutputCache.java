package com.comfyjobs.simulator.engine;

import com.comfyjobs.simulator.json.Json;
import com.comfyjobs.simulator.nodes.NodeCatalog;
import com.comfyjobs.simulator.nodes.NodeDefinition;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * ComfyUI's classic cache: node outputs (and UI dicts) keyed by an input signature, the node's class
 * and literal inputs plus those of all its ancestors, so an unchanged node is not run again. Each new
 * prompt keeps only the entries its own nodes' signatures still use.
 */
final class OutputCache {
    private final NodeCatalog catalog;
    private final Map<String, List<Object>> outputs = new HashMap<>();
    private final Map<String, ObjectNode> ui = new HashMap<>();
    private Map<String, String> keys = Map.of();

    OutputCache(NodeCatalog catalog) {
        this.catalog = catalog;
    }

    void clear() {
        outputs.clear();
        ui.clear();
        keys = Map.of();
    }

    /** set_prompt + clean_unused: computes every node's key and drops what the prompt no longer uses. */
    void setPrompt(ObjectNode prompt) {
        Map<String, String> fingerprints = new HashMap<>();
        Map<String, String> newKeys = new LinkedHashMap<>();
        prompt.fieldNames().forEachRemaining(id -> newKeys.put(id, signature(prompt, id, fingerprints)));
        keys = newKeys;
        Set<String> used = new HashSet<>(newKeys.values());
        outputs.keySet().retainAll(used);
        ui.keySet().retainAll(used);
    }

    List<Object> output(String nodeId) {
        return outputs.get(keys.get(nodeId));
    }

    void setOutput(String nodeId, List<Object> value) {
        outputs.put(keys.get(nodeId), value);
    }

    /** The node's {"meta": ..., "output": ...} entry, or null. */
    ObjectNode ui(String nodeId) {
        return ui.get(keys.get(nodeId));
    }

    void setUi(String nodeId, ObjectNode value) {
        ui.put(keys.get(nodeId), value);
    }

    private String signature(ObjectNode prompt, String id, Map<String, String> fingerprints) {
        List<String> ancestors = new ArrayList<>();
        Map<String, Integer> order = new HashMap<>();
        collectAncestors(prompt, id, ancestors, order);
        StringBuilder key = new StringBuilder("[");
        immediate(prompt, id, order, fingerprints, key);
        for (String ancestor : ancestors) {
            key.append(',');
            immediate(prompt, ancestor, order, fingerprints, key);
        }
        return key.append(']').toString();
    }

    /** get_ordered_ancestry: depth-first over sorted input names, each ancestor numbered once. */
    private static void collectAncestors(ObjectNode prompt, String id, List<String> ancestors, Map<String, Integer> order) {
        JsonNode inputs = prompt.get(id).get("inputs");
        for (String name : sortedNames(inputs)) {
            String ancestor = ExecutionList.linkSource(inputs.get(name));
            if (ancestor != null && !order.containsKey(ancestor)) {
                ancestors.add(ancestor);
                order.put(ancestor, ancestors.size() - 1);
                collectAncestors(prompt, ancestor, ancestors, order);
            }
        }
    }

    private void immediate(ObjectNode prompt, String id, Map<String, Integer> order, Map<String, String> fingerprints,
                           StringBuilder key) {
        JsonNode node = prompt.get(id);
        String classType = node.get("class_type").asText();
        key.append('[');
        canonical(node.get("class_type"), key);
        key.append(",\"changed:").append(fingerprints.computeIfAbsent(id, x -> fingerprint(classType, node))).append('"');
        JsonNode inputs = node.get("inputs");
        for (String name : sortedNames(inputs)) {
            JsonNode value = inputs.get(name);
            key.append(",[");
            canonical(Json.nodes().textNode(name), key);
            String ancestor = ExecutionList.linkSource(value);
            if (ancestor != null) {
                key.append(",[\"ANCESTOR\",").append(order.get(ancestor)).append(',');
                canonical(value.get(1), key);
                key.append(']');
            } else {
                key.append(',');
                canonical(value, key);
            }
            key.append(']');
        }
        key.append(']');
    }

    private String fingerprint(String classType, JsonNode node) {
        NodeDefinition definition = catalog.get(classType).orElseThrow();
        return definition.changeDetector() == null ? "False" : definition.changeDetector().fingerprint((ObjectNode) node.get("inputs"));
    }

    /** JSON with numbers normalised, since Python's 1 == 1.0 == True make the same key. */
    private static void canonical(JsonNode value, StringBuilder out) {
        if (value.isBoolean()) {
            out.append(value.booleanValue() ? '1' : '0');
        } else if (value.isNumber()) {
            double d = value.doubleValue();
            if (value.isFloatingPointNumber() && (Double.isNaN(d) || Double.isInfinite(d))) {
                out.append(Double.isNaN(d) ? "NaN:" + System.nanoTime() : Double.toString(d));
            } else {
                BigDecimal exact = value.isIntegralNumber() ? new BigDecimal(value.bigIntegerValue()) : new BigDecimal(d);
                out.append(exact.stripTrailingZeros().toPlainString());
            }
        } else if (value.isArray()) {
            out.append('[');
            for (int i = 0; i < value.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                canonical(value.get(i), out);
            }
            out.append(']');
        } else if (value.isObject()) {
            out.append('{');
            boolean first = true;
            for (String name : sortedNames(value)) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append(Json.nodes().textNode(name)).append(':');
                canonical(value.get(name), out);
            }
            out.append('}');
        } else {
            out.append(value);
        }
    }

    private static Set<String> sortedNames(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
