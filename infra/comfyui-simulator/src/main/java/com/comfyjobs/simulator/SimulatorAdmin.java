package com.comfyjobs.simulator;

import com.comfyjobs.simulator.engine.FaultState;
import com.comfyjobs.simulator.http.AdminControl;
import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;

/** The /_sim/ routes' view of the simulator: fault knobs as JSON, and the counters tests assert on. */
final class SimulatorAdmin implements AdminControl {
    private static final Set<String> KNOBS = Set.of("restart", "crashNextPrompt", "crashMidNode", "slowResponsesMillis",
            "serverErrors", "serverErrorPercent", "view404", "view403", "evictHistory", "evictAllHistory", "failNode", "holdQueue",
            "stopListeningMillis", "clear");

    private final ComfyUiSimulator simulator;

    SimulatorAdmin(ComfyUiSimulator simulator) {
        this.simulator = simulator;
    }

    @Override
    public void restart() {
        simulator.faults().restart();
    }

    /** Checks the whole body first, so a bad knob changes nothing. */
    @Override
    public void applyFaults(JsonNode knobs) {
        if (!knobs.isObject()) {
            throw new IllegalArgumentException("expected a JSON object of fault knobs");
        }
        for (Iterator<String> names = knobs.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!KNOBS.contains(name)) {
                throw new IllegalArgumentException("unknown fault knob: " + name + " (known: " + String.join(", ", KNOBS.stream().sorted().toList()) + ")");
            }
        }
        for (String flag : new String[] {"restart", "crashNextPrompt", "crashMidNode", "serverErrors", "view404", "view403",
                "evictAllHistory", "holdQueue", "clear"}) {
            if (knobs.has(flag) && !knobs.get(flag).isBoolean()) {
                throw new IllegalArgumentException(flag + " must be true or false");
            }
        }
        for (String number : new String[] {"slowResponsesMillis", "serverErrorPercent", "stopListeningMillis"}) {
            if (knobs.has(number) && (!knobs.get(number).isNumber() || knobs.get(number).doubleValue() < 0)) {
                throw new IllegalArgumentException(number + " must be a non-negative number");
            }
        }
        if (knobs.has("serverErrorPercent") && knobs.get("serverErrorPercent").doubleValue() > 100) {
            throw new IllegalArgumentException("serverErrorPercent must be within 0..100");
        }
        JsonNode failNode = knobs.get("failNode");
        if (failNode != null && !failNode.isNull() && !failNode.isTextual()
                && !(failNode.isObject() && failNode.path("target").isTextual())) {
            throw new IllegalArgumentException("failNode must be a class_type or node id, or {\"target\", \"exceptionType\", \"message\"}");
        }

        Faults faults = simulator.faults();
        if (flag(knobs, "clear")) {
            faults.clear();
        }
        if (flag(knobs, "restart")) {
            faults.restart();
        }
        if (flag(knobs, "crashNextPrompt")) {
            faults.crashNextPrompt();
        }
        if (knobs.has("crashMidNode")) {
            faults.crashMidNode(flag(knobs, "crashMidNode"));
        }
        if (knobs.has("slowResponsesMillis")) {
            faults.slowResponses(Duration.ofMillis(knobs.get("slowResponsesMillis").longValue()));
        }
        if (knobs.has("serverErrors")) {
            faults.serverErrors(flag(knobs, "serverErrors"));
        }
        if (knobs.has("serverErrorPercent")) {
            faults.serverErrorPercent(knobs.get("serverErrorPercent").doubleValue());
        }
        if (knobs.has("view404")) {
            faults.view404(flag(knobs, "view404"));
        }
        if (knobs.has("view403")) {
            faults.view403(flag(knobs, "view403"));
        }
        if (knobs.has("evictHistory")) {
            JsonNode ids = knobs.get("evictHistory");
            if (ids.isArray()) {
                ids.forEach(id -> faults.evictHistory(id.asText()));
            } else {
                faults.evictHistory(ids.asText());
            }
        }
        if (flag(knobs, "evictAllHistory")) {
            faults.evictAllHistory();
        }
        if (failNode != null) {
            if (failNode.isNull()) {
                simulator.faultState().failNode(null);
            } else if (failNode.isTextual()) {
                faults.failNode(failNode.textValue());
            } else {
                faults.failNode(failNode.get("target").asText(), textOrNull(failNode.get("exceptionType")),
                        textOrNull(failNode.get("message")));
            }
        }
        if (knobs.has("holdQueue")) {
            faults.holdQueue(flag(knobs, "holdQueue"));
        }
        if (knobs.has("stopListeningMillis")) {
            long pause = knobs.get("stopListeningMillis").longValue();
            // Off the I/O thread and after this answer has left, since stopping cuts every connection.
            simulator.later(faults::stopListening, 50);
            simulator.later(faults::startListening, 50 + pause);
        }
    }

    private static boolean flag(JsonNode knobs, String name) {
        return knobs.path(name).asBoolean(false);
    }

    private static String textOrNull(JsonNode value) {
        return value == null || value.isNull() ? null : value.asText();
    }

    @Override
    public ObjectNode faults() {
        FaultState state = simulator.faultState();
        ObjectNode out = Json.object();
        out.put("crashNextPrompt", state.crashNextPromptArmed());
        out.put("crashMidNode", state.crashMidNode());
        out.put("slowResponsesMillis", state.slowResponseMillis());
        out.put("serverErrorPercent", state.serverErrorPercent());
        out.put("view404", state.view404());
        out.put("view403", state.view403());
        out.put("holdQueue", state.holdQueue());
        out.put("listening", simulator.isListening());
        ObjectNode failure = out.putObject("failNode");
        state.pendingFailure().ifPresentOrElse(f -> {
            failure.put("target", f.target());
            failure.put("exceptionType", f.exceptionType());
            failure.put("message", f.message());
        }, () -> out.putNull("failNode"));
        return out;
    }

    @Override
    public ObjectNode stats() {
        ObjectNode out = Json.object();
        ObjectNode executions = out.putObject("executions");
        simulator.ledger().executions().forEach(executions::put);
        out.put("totalExecutions", simulator.totalExecutions());
        ObjectNode fates = out.putObject("fates");
        simulator.ledger().allFates().forEach((id, f) -> {
            ArrayNode list = fates.putArray(id);
            f.forEach(fate -> list.add(fate.name().toLowerCase(Locale.ROOT)));
        });
        ArrayNode submitted = out.putArray("submittedPrompts");
        simulator.submittedPrompts().forEach(submitted::add);
        WebhookStats webhook = simulator.webhookStats();
        ObjectNode hooks = out.putObject("webhook");
        hooks.put("attempted", webhook.attempted());
        hooks.put("delivered", webhook.delivered());
        hooks.put("dropped", webhook.dropped());
        hooks.put("duplicated", webhook.duplicated());
        hooks.put("failed", webhook.failed());
        hooks.put("retries", webhook.retries());
        hooks.put("coalesced", webhook.coalesced());
        hooks.put("discarded", webhook.discarded());
        return out;
    }
}
