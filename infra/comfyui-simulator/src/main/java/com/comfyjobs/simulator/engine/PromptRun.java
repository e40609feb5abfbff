package com.comfyjobs.simulator.engine;

import com.comfyjobs.simulator.json.Json;
import com.comfyjobs.simulator.json.Py;
import com.comfyjobs.simulator.json.PyException;
import com.comfyjobs.simulator.nodes.NodeCatalog;
import com.comfyjobs.simulator.nodes.NodeDefinition;
import com.comfyjobs.simulator.nodes.NodeResult;
import com.comfyjobs.simulator.nodes.NodeRun;
import com.comfyjobs.simulator.nodes.ProcessingInterrupted;
import com.comfyjobs.simulator.nodes.SimulatedTraceback;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One prompt through execute_async and execute(): the events, their order and their sids follow
 * ComfyUI 0.3.64. Without a client_id only progress, progress_state (to every socket) and
 * execution_interrupted (broadcast) are sent, as in ComfyUI.
 */
final class PromptRun {
    private static final String OOM_TYPE = "torch.OutOfMemoryError";
    private static final String OOM_TIPS = "This error means you ran out of memory on your GPU.\n\n"
            + "TIPS: If the workflow worked before you might have accidentally set the batch_size to a large number.";

    private final PromptQueue.Task task;
    private final String promptId;
    private final ObjectNode prompt;
    private final String clientId;
    private final NodeCatalog catalog;
    private final OutputCache cache;
    private final EventSink sink;
    private final Generation generation;
    private final FaultState faults;
    private final Session session;
    private final Timing timing;
    private final Random random;
    private final AtomicBoolean interrupt;
    private final boolean crash;
    private final ArrayNode messages = Json.array();
    private final Set<String> executed = new LinkedHashSet<>();
    private final ProgressRegistry progress;

    PromptRun(PromptQueue.Task task, String clientId, NodeCatalog catalog, OutputCache cache, EventSink sink,
              Generation generation, FaultState faults, Session session, Timing timing, Random random,
              AtomicBoolean interrupt, boolean crash) {
        this.task = task;
        this.promptId = task.item().promptId();
        this.prompt = task.item().prompt();
        this.clientId = clientId;
        this.catalog = catalog;
        this.cache = cache;
        this.sink = sink;
        this.generation = generation;
        this.faults = faults;
        this.session = session;
        this.timing = timing;
        this.random = random;
        this.interrupt = interrupt;
        this.crash = crash;
        this.progress = new ProgressRegistry(promptId, data -> send("progress_state", data, clientId));
    }

    /** A node that did not complete: the execution_interrupted or execution_error to report. */
    private record Failure(String nodeId, boolean interrupted, PyException exception, ObjectNode currentInputs) {
    }

    Executor.Outcome execute() {
        addMessage("execution_start", promptData(), false);
        cache.setPrompt(prompt);
        ObjectNode cachedData = Json.object();
        ArrayNode cachedNodes = cachedData.putArray("nodes");
        prompt.fieldNames().forEachRemaining(id -> {
            if (cache.output(id) != null) {
                cachedNodes.add(id);
            }
        });
        cachedData.put("prompt_id", promptId);
        addMessage("execution_cached", cachedData, false);

        ExecutionList list = new ExecutionList(prompt, catalog, id -> cache.output(id) != null);
        task.item().outputs().forEach(list::addNode);
        boolean success = true;
        while (!list.isEmpty()) {
            Failure failure = runNode(list.stage());
            if (failure != null) {
                success = false;
                reportFailure(failure);
                break;
            }
            list.complete();
        }
        if (success) {
            addMessage("execution_success", promptData(), false);
        }

        ObjectNode historyResult = Json.object();
        ObjectNode outputs = historyResult.putObject("outputs");
        ObjectNode meta = historyResult.putObject("meta");
        prompt.fieldNames().forEachRemaining(id -> {
            ObjectNode ui = cache.ui(id);
            if (ui != null) {
                outputs.set(id, ui.get("output").deepCopy());
                meta.set(id, ui.get("meta").deepCopy());
            }
        });
        session.lastNodeId(null);
        ObjectNode status = Json.object();
        status.put("status_str", success ? "success" : "error");
        status.put("completed", success);
        status.set("messages", messages);
        return new Executor.Outcome(historyResult, status, clientId);
    }

    private Failure runNode(String id) {
        String classType = prompt.get(id).get("class_type").asText();
        NodeDefinition definition = catalog.get(classType).orElseThrow();
        if (cache.output(id) != null) {
            if (crash && definition.outputNode()) {
                generation.park(task.generation());
            }
            if (clientId != null) {
                ObjectNode ui = cache.ui(id);
                ObjectNode data = nodeData(id);
                data.set("output", ui == null ? Json.nodes().nullNode() : ui.get("output").deepCopy());
                data.put("prompt_id", promptId);
                send("executed", data, clientId);
            }
            progress.finish(id);
            return null;
        }

        progress.start(id);
        Map<String, List<Object>> inputs = resolveInputs(definition, (ObjectNode) prompt.get(id).get("inputs"));
        if (clientId != null) {
            session.lastNodeId(id);
            ObjectNode data = nodeData(id);
            data.put("prompt_id", promptId);
            send("executing", data, clientId);
        }
        NodeResult result;
        try {
            checkInterrupt();
            if (crash && definition.outputNode()) {
                generation.park(task.generation());
            }
            FaultState.NodeFailure failure = faults.takeFailure(id, classType).orElse(null);
            if (failure != null) {
                throw simulatedFailure(failure, definition);
            }
            result = definition.function().run(new Run(id, inputs, definition.reportsProgress() && crash));
        } catch (ProcessingInterrupted interrupted) {
            return new Failure(id, true, null, null);
        } catch (PyException error) {
            return new Failure(id, false, error, formatInputs(inputs));
        }
        if (result.ui() != null) {
            ObjectNode entry = Json.object();
            ObjectNode meta = entry.putObject("meta");
            meta.put("node_id", id);
            meta.put("display_node", id);
            meta.putNull("parent_node");
            meta.put("real_node_id", id);
            entry.set("output", result.ui());
            cache.setUi(id, entry);
            if (clientId != null) {
                ObjectNode data = nodeData(id);
                data.set("output", result.ui().deepCopy());
                data.put("prompt_id", promptId);
                send("executed", data, clientId);
            }
        }
        cache.setOutput(id, result.outputs());
        progress.finish(id);
        executed.add(id);
        return null;
    }

    /** get_input_data: a list per input; links give the upstream output, hidden inputs are filled in. */
    private Map<String, List<Object>> resolveInputs(NodeDefinition definition, ObjectNode inputs) {
        Map<String, List<Object>> resolved = new LinkedHashMap<>();
        inputs.properties().forEach(input -> {
            String source = ExecutionList.linkSource(input.getValue());
            if (source != null) {
                List<Object> upstream = cache.output(source);
                int slot = input.getValue().get(1).asInt();
                resolved.put(input.getKey(), List.of(upstream.get(slot < 0 ? upstream.size() + slot : slot)));
            } else if (definition.input(input.getKey()).isPresent()) {
                resolved.put(input.getKey(), List.of(input.getValue()));
            }
        });
        definition.hidden().forEach((name, kind) -> {
            JsonNode value = kind.equals("PROMPT") ? prompt : task.item().extraData().path("extra_pnginfo");
            resolved.put(name, List.of(value.isMissingNode() ? Json.nodes().nullNode() : value));
        });
        return resolved;
    }

    /** format_value over the inputs: JSON scalars stay, everything else becomes its str(). */
    private static ObjectNode formatInputs(Map<String, List<Object>> inputs) {
        ObjectNode formatted = Json.object();
        inputs.forEach((name, values) -> {
            ArrayNode list = formatted.putArray(name);
            for (Object value : values) {
                if (value instanceof JsonNode json && json.isValueNode()) {
                    list.add(json);
                } else if (value instanceof JsonNode json) {
                    list.add(Py.str(json));
                } else {
                    list.add(String.valueOf(value));
                }
            }
        });
        return formatted;
    }

    private static PyException simulatedFailure(FaultState.NodeFailure failure, NodeDefinition definition) {
        String type = failure.exceptionType() == null ? OOM_TYPE : failure.exceptionType();
        String message = failure.message() != null ? failure.message()
                : OOM_TYPE.equals(type) ? "Allocation on device " : "Simulated failure in " + definition.classType();
        List<String> frames = SimulatedTraceback.nodeCall(List.of(
                SimulatedTraceback.frame("nodes.py", 1525, definition.functionName(),
                        "return common_" + definition.functionName() + "(...)"),
                SimulatedTraceback.frame("comfy/model_management.py", 1142, "allocate", "raise " + type + "(...)")));
        return new PyException(type, message, frames);
    }

    private void reportFailure(Failure failure) {
        ObjectNode data = promptData();
        data.put("node_id", failure.nodeId());
        data.put("node_type", prompt.get(failure.nodeId()).get("class_type").asText());
        ArrayNode executedList = data.putArray("executed");
        executed.forEach(executedList::add);
        if (failure.interrupted()) {
            addMessage("execution_interrupted", data, true);
            return;
        }
        PyException error = failure.exception();
        String tips = OOM_TYPE.equals(error.pythonType()) ? OOM_TIPS : "";
        data.put("exception_message", error.getMessage() + "\n" + tips);
        data.put("exception_type", error.pythonType());
        ArrayNode traceback = data.putArray("traceback");
        error.traceback().forEach(traceback::add);
        data.set("current_inputs", failure.currentInputs());
        ArrayNode currentOutputs = data.putArray("current_outputs");
        prompt.fieldNames().forEachRemaining(currentOutputs::add);
        addMessage("execution_error", data, false);
    }

    private void addMessage(String event, ObjectNode data, boolean broadcast) {
        data.put("timestamp", System.currentTimeMillis());
        ArrayNode message = messages.addArray();
        message.add(event);
        message.add(data);
        if (clientId != null || broadcast) {
            send(event, data.deepCopy(), clientId);
        }
    }

    private void checkInterrupt() throws ProcessingInterrupted {
        if (interrupt.getAndSet(false)) {
            throw new ProcessingInterrupted();
        }
    }

    private ObjectNode promptData() {
        ObjectNode data = Json.object();
        data.put("prompt_id", promptId);
        return data;
    }

    private static ObjectNode nodeData(String id) {
        ObjectNode data = Json.object();
        data.put("node", id);
        data.put("display_node", id);
        return data;
    }

    private void send(String type, ObjectNode data, String sid) {
        sink.send(task.generation(), type, data, sid);
    }

    /** The node's view of the run: inputs, simulated time, sampler progress. */
    private final class Run implements NodeRun {
        private final String nodeId;
        private final Map<String, List<Object>> inputs;
        private final boolean crashMidway;

        Run(String nodeId, Map<String, List<Object>> inputs, boolean crashMidway) {
            this.nodeId = nodeId;
            this.inputs = inputs;
            this.crashMidway = crashMidway;
        }

        @Override
        public String promptId() {
            return promptId;
        }

        @Override
        public String nodeId() {
            return nodeId;
        }

        @Override
        public Object input(String name) {
            List<Object> values = inputs.get(name);
            return values == null ? null : values.get(0);
        }

        @Override
        public void work() {
            generation.sleep(task.generation(), timing.nodeMillis());
        }

        @Override
        public void step(int value, int total) throws ProcessingInterrupted {
            generation.sleep(task.generation(), timing.stepMillis());
            if (crashMidway && value > total / 2) {
                generation.park(task.generation());
            }
            checkInterrupt();
            progress.update(nodeId, value, total);
            ObjectNode data = Json.object();
            data.put("value", value);
            data.put("max", total);
            data.put("prompt_id", promptId);
            data.put("node", nodeId);
            send("progress", data, clientId);
        }

        @Override
        public Random random() {
            return random;
        }
    }
}
