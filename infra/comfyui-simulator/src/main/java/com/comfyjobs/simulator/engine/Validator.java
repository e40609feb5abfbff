package com.comfyjobs.simulator.engine;

import com.comfyjobs.simulator.json.Json;
import com.comfyjobs.simulator.json.Py;
import com.comfyjobs.simulator.json.PyException;
import com.comfyjobs.simulator.nodes.InputSpec;
import com.comfyjobs.simulator.nodes.NodeCatalog;
import com.comfyjobs.simulator.nodes.NodeDefinition;
import com.comfyjobs.simulator.nodes.SimulatedTraceback;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * execution.validate_prompt and validate_inputs, message for message. Like ComfyUI it converts
 * INT/FLOAT/STRING widget values in place, so the queued graph holds the converted values.
 */
public final class Validator {
    private static final int LONG_LIST = 20;

    private final NodeCatalog catalog;

    public Validator(NodeCatalog catalog) {
        this.catalog = catalog;
    }

    private record Outcome(boolean valid, List<ObjectNode> reasons) {
    }

    public ValidationResult validate(ObjectNode prompt, JsonNode partialTargets) {
        Set<String> outputs = new LinkedHashSet<>();
        for (Map.Entry<String, JsonNode> entry : prompt.properties()) {
            String id = entry.getKey();
            JsonNode node = entry.getValue();
            if (!node.isObject() || !node.has("class_type")) {
                return failure(error("invalid_prompt", "Cannot execute because a node is missing the class_type property.",
                        "Node ID '#" + id + "'"));
            }
            Optional<NodeDefinition> definition = definition(node);
            if (definition.isEmpty()) {
                return failure(error("invalid_prompt",
                        "Cannot execute because node " + Py.str(node.get("class_type")) + " does not exist.",
                        "Node ID '#" + id + "'"));
            }
            if (definition.get().outputNode() && (partialTargets == null || contains(partialTargets, id))) {
                outputs.add(id);
            }
        }
        if (outputs.isEmpty()) {
            return failure(error("prompt_no_outputs", "Prompt has no outputs", ""));
        }

        List<String> good = new ArrayList<>();
        List<Outcome> failed = new ArrayList<>();
        ObjectNode nodeErrors = Json.object();
        Map<String, Outcome> validated = new LinkedHashMap<>();
        for (String output : outputs) {
            Outcome outcome;
            try {
                outcome = validateInputs(prompt, output, validated, new HashSet<>());
            } catch (PyException ex) {
                ObjectNode reason = reason("exception_during_validation", "Exception when validating node", ex.getMessage(), null);
                ObjectNode extra = (ObjectNode) reason.get("extra_info");
                extra.put("exception_type", ex.pythonType());
                extra.set("traceback", strings(validationTraceback(ex)));
                outcome = new Outcome(false, List.of(reason));
                validated.put(output, outcome);
            }
            if (outcome.valid()) {
                good.add(output);
                continue;
            }
            failed.add(outcome);
            validated.forEach((nodeId, result) -> {
                if (!result.valid() && !result.reasons().isEmpty()) {
                    if (!nodeErrors.has(nodeId)) {
                        ObjectNode nodeError = nodeErrors.putObject(nodeId);
                        ArrayNode errors = nodeError.putArray("errors");
                        result.reasons().forEach(errors::add);
                        nodeError.putArray("dependent_outputs");
                        nodeError.put("class_type", prompt.get(nodeId).get("class_type").asText());
                    }
                    ((ArrayNode) nodeErrors.get(nodeId).get("dependent_outputs")).add(output);
                }
            });
        }
        if (good.isEmpty()) {
            List<String> lines = new ArrayList<>();
            failed.forEach(outcome -> outcome.reasons().forEach(reason ->
                    lines.add(reason.get("message").asText() + ": " + reason.get("details").asText())));
            ObjectNode error = error("prompt_outputs_failed_validation", "Prompt outputs failed validation", String.join("\n", lines));
            return new ValidationResult(false, error, List.of(), nodeErrors);
        }
        return new ValidationResult(true, null, good, nodeErrors);
    }

    private Outcome validateInputs(ObjectNode prompt, String id, Map<String, Outcome> validated, Set<String> inProgress)
            throws PyException {
        Outcome known = validated.get(id);
        if (known != null) {
            return known;
        }
        if (!inProgress.add(id)) {
            throw new PyException("RecursionError", "maximum recursion depth exceeded", List.of(
                    SimulatedTraceback.frame("execution.py", 707, "validate_inputs",
                            "r = await validate_inputs(prompt_id, prompt, o_id, validated)")));
        }
        try {
            JsonNode node = prompt.get(id);
            if (!node.path("inputs").isObject()) {
                throw new PyException("KeyError", "'inputs'", List.of(
                        SimulatedTraceback.frame("execution.py", 651, "validate_inputs", "inputs = prompt[unique_id]['inputs']")));
            }
            ObjectNode inputs = (ObjectNode) node.get("inputs");
            NodeDefinition definition = definition(node).orElseThrow();
            List<String> validateParameters = definition.validation() == null ? List.of() : definition.validation().parameters();
            List<ObjectNode> errors = new ArrayList<>();
            boolean valid = true;
            for (InputSpec spec : definition.inputs()) {
                String name = spec.name();
                if (!inputs.has(name)) {
                    if (!spec.isOptional()) {
                        errors.add(reason("required_input_missing", "Required input is missing", name, name));
                    }
                    continue;
                }
                JsonNode value = inputs.get(name);
                if (value.isArray()) {
                    Optional<ObjectNode> linkError = checkLink(prompt, spec, (ArrayNode) value);
                    if (linkError.isPresent()) {
                        errors.add(linkError.get());
                        continue;
                    }
                    String upstream = value.get(0).textValue();
                    try {
                        if (!validateInputs(prompt, upstream, validated, inProgress).valid()) {
                            valid = false;
                        }
                    } catch (PyException ex) {
                        valid = false;
                        ObjectNode inner = reason("exception_during_inner_validation", "Exception when validating inner node",
                                ex.getMessage(), name);
                        ObjectNode extra = (ObjectNode) inner.get("extra_info");
                        extra.set("input_config", spec.info());
                        extra.put("exception_message", ex.getMessage());
                        extra.put("exception_type", ex.pythonType());
                        extra.set("traceback", strings(ex.traceback()));
                        extra.set("linked_node", value);
                        validated.put(upstream, new Outcome(false, List.of(inner)));
                    }
                    continue;
                }
                if (value.isObject() && value.has("__value__")) {
                    value = value.get("__value__");
                    inputs.set(name, value);
                }
                try {
                    value = convert(spec, value);
                    inputs.set(name, value);
                } catch (PyException ex) {
                    ObjectNode error = reason("invalid_input_type",
                            "Failed to convert an input value to a " + spec.typeName() + " value",
                            name + ", " + Py.str(value) + ", " + ex.getMessage(), name);
                    ObjectNode extra = (ObjectNode) error.get("extra_info");
                    extra.set("input_config", spec.info());
                    extra.set("received_value", value);
                    extra.put("exception_message", ex.getMessage());
                    errors.add(error);
                    continue;
                }
                if (!validateParameters.contains(name)) {
                    checkValue(spec, value).ifPresent(errors::add);
                }
            }
            for (String parameter : validateParameters) {
                if (inputs.has(parameter)) {
                    definition.validation().check(parameter, inputs.get(parameter)).ifPresent(message -> {
                        ObjectNode error = reason("custom_validation_failed", "Custom validation failed for node",
                                parameter + " - " + message, parameter);
                        errors.add(error);
                    });
                }
            }
            Outcome earlier = validated.get(id);
            if (earlier != null) {
                errors.addAll(earlier.reasons());
            }
            Outcome outcome = new Outcome(errors.isEmpty() && valid, errors);
            validated.put(id, outcome);
            return outcome;
        } finally {
            inProgress.remove(id);
        }
    }

    /** The link checks of validate_inputs; lookups that raise in Python raise here too. */
    private Optional<ObjectNode> checkLink(ObjectNode prompt, InputSpec spec, ArrayNode link) throws PyException {
        String name = spec.name();
        if (link.size() != 2) {
            ObjectNode error = reason("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]", name, name);
            ObjectNode extra = (ObjectNode) error.get("extra_info");
            extra.set("input_config", spec.info());
            extra.set("received_value", link);
            return Optional.of(error);
        }
        JsonNode upstreamId = link.get(0);
        if (!upstreamId.isTextual() || !prompt.has(upstreamId.textValue())) {
            throw new PyException("KeyError", Py.repr(upstreamId), List.of(
                    SimulatedTraceback.frame("execution.py", 693, "validate_inputs", "o_class_type = prompt[o_id]['class_type']")));
        }
        NodeDefinition upstream = definition(prompt.get(upstreamId.textValue())).orElseThrow();
        String received = returnType(upstream.returnTypes(), link.get(1));
        if (!spec.isCombo() && typesOverlap(received, spec.typeName())) {
            return Optional.empty();
        }
        String inputType = spec.isCombo() ? Py.listRepr(spec.comboOptions()) : spec.typeName();
        ObjectNode error = reason("return_type_mismatch", "Return type mismatch between linked nodes",
                name + ", received_type(" + received + ") mismatch input_type(" + inputType + ")", name);
        ObjectNode extra = (ObjectNode) error.get("extra_info");
        extra.set("input_config", spec.info());
        extra.put("received_type", received);
        extra.set("linked_node", link);
        return Optional.of(error);
    }

    /** {@code RETURN_TYPES[slot]} with Python's indexing rules and errors. */
    private static String returnType(List<String> returnTypes, JsonNode slot) throws PyException {
        List<String> frames = List.of(SimulatedTraceback.frame("execution.py", 695, "validate_inputs", "received_type = r[val[1]]"));
        if (!slot.isIntegralNumber() && !slot.isBoolean()) {
            throw new PyException("TypeError", "tuple indices must be integers or slices, not " + Py.typeName(slot), frames);
        }
        int index = slot.isBoolean() ? (slot.booleanValue() ? 1 : 0) : slot.asInt();
        int resolved = index < 0 ? returnTypes.size() + index : index;
        if (resolved < 0 || resolved >= returnTypes.size()) {
            throw new PyException("IndexError", "tuple index out of range", frames);
        }
        return returnTypes.get(resolved);
    }

    /** comfy_execution.validation.validate_node_input, non-strict: "A,B" and "B,C" are compatible. */
    private static boolean typesOverlap(String received, String expected) {
        if (received.equals(expected)) {
            return true;
        }
        Set<String> receivedTypes = new HashSet<>();
        for (String type : received.split(",")) {
            receivedTypes.add(type.strip());
        }
        for (String type : expected.split(",")) {
            if (receivedTypes.contains(type.strip())) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode convert(InputSpec spec, JsonNode value) throws PyException {
        if (spec.isCombo()) {
            return value;
        }
        return switch (spec.typeName()) {
            case "INT" -> bigInteger(Py.toInt(value));
            case "FLOAT" -> Json.nodes().numberNode(Py.toFloat(value));
            case "STRING" -> Json.nodes().textNode(Py.str(value));
            case "BOOLEAN" -> Json.nodes().booleanNode(Py.truthy(value));
            default -> value;
        };
    }

    private static JsonNode bigInteger(BigInteger value) {
        if (value.bitLength() < 32) {
            return Json.nodes().numberNode(value.intValue());
        }
        if (value.bitLength() < 64) {
            return Json.nodes().numberNode(value.longValue());
        }
        return Json.nodes().numberNode(value);
    }

    private Optional<ObjectNode> checkValue(InputSpec spec, JsonNode value) {
        String name = spec.name();
        JsonNode min = spec.option("min");
        if (min != null && compare(value, min) < 0) {
            ObjectNode error = reason("value_smaller_than_min",
                    "Value " + Py.repr(value) + " smaller than min of " + Py.repr(min), name, name);
            return Optional.of(withConfig(error, spec, value));
        }
        JsonNode max = spec.option("max");
        if (max != null && compare(value, max) > 0) {
            ObjectNode error = reason("value_bigger_than_max",
                    "Value " + Py.repr(value) + " bigger than max of " + Py.repr(max), name, name);
            return Optional.of(withConfig(error, spec, value));
        }
        if (spec.isCombo()) {
            List<String> options = spec.comboOptions();
            if (value.isTextual() && options.contains(value.textValue())) {
                return Optional.empty();
            }
            boolean longList = options.size() > LONG_LIST;
            String listInfo = longList ? "(list of length " + options.size() + ")" : Py.listRepr(options);
            ObjectNode error = reason("value_not_in_list", "Value not in list",
                    name + ": '" + Py.str(value) + "' not in " + listInfo, name);
            ObjectNode extra = (ObjectNode) error.get("extra_info");
            if (longList) {
                extra.putNull("input_config");
            } else {
                extra.set("input_config", spec.info());
            }
            extra.set("received_value", value);
            return Optional.of(error);
        }
        return Optional.empty();
    }

    /** Python's numeric comparison; NaN compares as neither smaller nor bigger. */
    private static int compare(JsonNode value, JsonNode bound) {
        double asDouble = value.doubleValue();
        if (value.isFloatingPointNumber() && (Double.isNaN(asDouble) || Double.isInfinite(asDouble))) {
            return Double.isNaN(asDouble) ? 0 : (asDouble > 0 ? 1 : -1);
        }
        BigDecimal left = value.isIntegralNumber() ? new BigDecimal(value.bigIntegerValue()) : new BigDecimal(asDouble);
        BigDecimal right = bound.isIntegralNumber() ? new BigDecimal(bound.bigIntegerValue()) : new BigDecimal(bound.doubleValue());
        return left.compareTo(right);
    }

    private static ObjectNode withConfig(ObjectNode error, InputSpec spec, JsonNode value) {
        ObjectNode extra = (ObjectNode) error.get("extra_info");
        extra.set("input_config", spec.info());
        extra.set("received_value", value);
        return error;
    }

    private Optional<NodeDefinition> definition(JsonNode node) {
        JsonNode classType = node.get("class_type");
        return classType != null && classType.isTextual() ? catalog.get(classType.textValue()) : Optional.empty();
    }

    private static boolean contains(JsonNode targets, String id) {
        for (JsonNode target : targets) {
            if (target.isTextual() && target.textValue().equals(id)) {
                return true;
            }
        }
        return false;
    }

    private static ValidationResult failure(ObjectNode error) {
        return new ValidationResult(false, error, List.of(), Json.object());
    }

    private static ObjectNode error(String type, String message, String details) {
        ObjectNode error = Json.object();
        error.put("type", type);
        error.put("message", message);
        error.put("details", details);
        error.putObject("extra_info");
        return error;
    }

    /** A per-input reason; its extra_info starts with input_name (when there is one), as ComfyUI's do. */
    private static ObjectNode reason(String type, String message, String details, String inputName) {
        ObjectNode reason = error(type, message, details);
        if (inputName != null) {
            ((ObjectNode) reason.get("extra_info")).put("input_name", inputName);
        }
        return reason;
    }

    private static List<String> validationTraceback(PyException ex) {
        List<String> frames = new ArrayList<>();
        frames.add(SimulatedTraceback.frame("execution.py", 1041, "validate_prompt",
                "m = await validate_inputs(prompt_id, prompt, o, validated)"));
        frames.addAll(ex.traceback());
        return frames;
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode array = Json.array();
        values.forEach(array::add);
        return array;
    }
}
