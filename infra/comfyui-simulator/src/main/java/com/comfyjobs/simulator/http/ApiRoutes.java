package com.comfyjobs.simulator.http;

import com.comfyjobs.simulator.engine.ExecutionLedger;
import com.comfyjobs.simulator.engine.Executor;
import com.comfyjobs.simulator.engine.PromptQueue;
import com.comfyjobs.simulator.engine.QueueItem;
import com.comfyjobs.simulator.engine.ValidationResult;
import com.comfyjobs.simulator.engine.Validator;
import com.comfyjobs.simulator.json.Json;
import com.comfyjobs.simulator.json.Py;
import com.comfyjobs.simulator.json.PyException;
import com.comfyjobs.simulator.nodes.NodeCatalog;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/** ComfyUI's API routes (server.py), each answering as its aiohttp handler does. */
final class ApiRoutes {
    private final PromptQueue queue;
    private final Validator validator;
    private final NodeCatalog catalog;
    private final Executor executor;
    private final ExecutionLedger ledger;
    private final FileRoutes files;
    private final Supplier<List<String>> argv;

    ApiRoutes(PromptQueue queue, Validator validator, NodeCatalog catalog, Executor executor, ExecutionLedger ledger,
              FileRoutes files, Supplier<List<String>> argv) {
        this.queue = queue;
        this.validator = validator;
        this.catalog = catalog;
        this.executor = executor;
        this.ledger = ledger;
        this.files = files;
        this.argv = argv;
    }

    /** The answer for a route under its /api-less path; 404 and 405 as aiohttp gives them. */
    Reply handle(FullHttpRequest request, String path, QueryStringDecoder query) {
        HttpMethod method = request.method();
        boolean get = method.equals(HttpMethod.GET);
        boolean post = method.equals(HttpMethod.POST);
        try {
            switch (path) {
                case "/prompt":
                    return get ? Reply.json(queue.queueInfo()) : post ? postPrompt(request) : notAllowed("GET, POST");
                case "/queue":
                    return get ? Reply.json(queue.queueJson()) : post ? postQueue(request) : notAllowed("GET, POST");
                case "/history":
                    return get ? getHistory(query) : post ? postHistory(request) : notAllowed("GET, POST");
                case "/interrupt":
                    return post ? postInterrupt(request) : notAllowed("POST");
                case "/view":
                    return get ? files.view(query) : notAllowed("GET");
                case "/upload/image":
                    return post ? files.upload(request) : notAllowed("POST");
                case "/system_stats":
                    return get ? Reply.json(SystemStats.of(argv.get())) : notAllowed("GET");
                case "/object_info":
                    return get ? Reply.json(catalog.objectInfo()) : notAllowed("GET");
                case "/features":
                    return get ? Reply.json(features()) : notAllowed("GET");
                default:
                    break;
            }
            if (path.startsWith("/history/") && path.indexOf('/', 9) < 0 && path.length() > 9) {
                return get ? Reply.json(queue.history(path.substring(9))) : notAllowed("GET");
            }
            if (path.startsWith("/object_info/") && path.indexOf('/', 13) < 0 && path.length() > 13) {
                ObjectNode out = Json.object();
                catalog.get(path.substring(13)).ifPresent(definition -> out.set(definition.classType(), catalog.nodeInfo(definition)));
                return get ? Reply.json(out) : notAllowed("GET");
            }
            return Reply.notFound();
        } catch (IOException | PyException | RuntimeException e) {
            return Reply.internalError();
        }
    }

    private static Reply notAllowed(String allowed) {
        Reply reply = Reply.text(405, "405: Method Not Allowed");
        return new Reply(reply.status(), reply.contentType(), reply.body(), null, Map.of("Allow", allowed));
    }

    private static ObjectNode features() {
        ObjectNode features = Json.object();
        features.put("supports_preview_metadata", true);
        features.put("max_upload_size", FileRoutes.MAX_UPLOAD_BYTES);
        return features;
    }

    /** POST /prompt. Malformed JSON and unconvertible numbers raise in ComfyUI's handler: 500. */
    private Reply postPrompt(FullHttpRequest request) throws IOException, PyException {
        JsonNode body = Json.parse(Http.bodyBytes(request));
        if (!body.isObject() && !body.isArray() && !body.isTextual()) {
            return Reply.internalError();
        }
        JsonNode fields = body.isObject() ? body : Json.object();
        JsonNode number;
        if (fields.has("number")) {
            number = Json.nodes().numberNode(Py.toFloat(fields.get("number")));
        } else {
            number = Json.nodes().numberNode(queue.nextNumber(fields.has("front") && Py.truthy(fields.get("front"))));
        }
        if (!fields.has("prompt")) {
            ObjectNode error = Json.object();
            error.put("type", "no_prompt");
            error.put("message", "No prompt provided");
            error.put("details", "No prompt provided");
            error.putObject("extra_info");
            ObjectNode out = Json.object();
            out.set("error", error);
            out.putObject("node_errors");
            return Reply.json(400, out);
        }
        JsonNode prompt = fields.get("prompt");
        if (!prompt.isObject()) {
            return prompt.size() == 0 && (prompt.isArray() || prompt.isTextual() && prompt.asText().isEmpty())
                    ? validationFailure(validator.validate(Json.object(), null))
                    : Reply.internalError();
        }
        String promptId = fields.has("prompt_id") ? Py.str(fields.get("prompt_id")) : UUID.randomUUID().toString();
        ValidationResult result = validator.validate((ObjectNode) prompt, fields.get("partial_execution_targets"));
        JsonNode extra = fields.has("extra_data") ? fields.get("extra_data") : Json.object();
        if (!extra.isObject()) {
            return Reply.internalError();
        }
        ObjectNode extraData = (ObjectNode) extra;
        if (fields.has("client_id")) {
            extraData.set("client_id", fields.get("client_id"));
        }
        if (!result.valid()) {
            return validationFailure(result);
        }
        QueueItem item = queue.newItem(number, promptId, (ObjectNode) prompt, extraData, result.outputs());
        queue.put(item);
        ledger.submitted(promptId);
        ObjectNode out = Json.object();
        out.put("prompt_id", promptId);
        out.set("number", number);
        out.set("node_errors", result.nodeErrors());
        return Reply.json(out);
    }

    private static Reply validationFailure(ValidationResult result) {
        ObjectNode out = Json.object();
        out.set("error", result.error());
        out.set("node_errors", result.nodeErrors());
        return Reply.json(400, out);
    }

    private Reply postQueue(FullHttpRequest request) throws IOException {
        JsonNode body = Json.parse(Http.bodyBytes(request));
        if (body.has("clear") && Py.truthy(body.get("clear"))) {
            queue.wipeQueue();
        }
        if (body.has("delete")) {
            for (JsonNode id : body.get("delete")) {
                if (id.isTextual()) {
                    queue.deletePending(id.textValue());
                }
            }
        }
        return Reply.empty(200);
    }

    private Reply getHistory(QueryStringDecoder query) throws PyException {
        Integer maxItems = null;
        String max = Http.param(query, "max_items");
        if (max != null) {
            maxItems = Py.toInt(Json.nodes().textNode(max)).intValueExact();
        }
        String offset = Http.param(query, "offset");
        int start = offset == null ? -1 : Py.toInt(Json.nodes().textNode(offset)).intValueExact();
        return Reply.json(queue.history(maxItems, start));
    }

    private Reply postHistory(FullHttpRequest request) throws IOException {
        JsonNode body = Json.parse(Http.bodyBytes(request));
        if (body.has("clear") && Py.truthy(body.get("clear"))) {
            queue.wipeHistory();
        }
        if (body.has("delete")) {
            for (JsonNode id : body.get("delete")) {
                if (id.isTextual()) {
                    queue.deleteHistory(id.textValue());
                }
            }
        }
        return Reply.empty(200);
    }

    /** POST /interrupt: a body that is not JSON counts as {}; a prompt_id interrupts only that prompt. */
    private Reply postInterrupt(FullHttpRequest request) {
        JsonNode body;
        try {
            body = Json.parse(Http.bodyBytes(request));
        } catch (IOException e) {
            body = Json.object();
        }
        if (!body.isObject()) {
            return Reply.internalError();
        }
        JsonNode promptId = body.get("prompt_id");
        if (promptId != null && Py.truthy(promptId)) {
            if (promptId.isTextual() && queue.isRunning(promptId.textValue())) {
                executor.interrupt();
            }
        } else {
            executor.interrupt();
        }
        return Reply.empty(200);
    }
}
