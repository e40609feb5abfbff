package com.comfyjobs.templates;

import com.comfyjobs.comfyui.GraphInput;
import com.comfyjobs.job.Workflow;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A job's params into a copy of its template's graph: each value is checked against the template's
 * params schema, a param left out takes its default (a seed param a random value within its range),
 * and the values go to every bind target; image params go to the input images instead. Then the
 * template's limits are checked on what the graph now holds at the marked width, height and batch
 * inputs, so a param left out counts with the template's own value.
 */
final class TemplateBinder {
    private static final int MAX_ERRORS = 20;
    private static final int MAX_NAMES_LISTED = 20;

    private TemplateBinder() {
    }

    static BoundTemplate bind(Template t, ObjectNode given, RandomGenerator random) {
        TemplateDefinition d = t.definition();
        ObjectNode params = given == null ? JsonNodeFactory.instance.objectNode() : given;
        check(t, params);
        Map<String, JsonNode> values = new LinkedHashMap<>();
        Long seed = null;
        for (TemplateParam p : d.params().values()) {
            JsonNode v = params.get(p.name());
            if (v == null && p.marker() == ParamMarker.SEED) {
                v = JsonNodeFactory.instance.numberNode(random.nextLong(p.schema().get("minimum").asLong(),
                        p.schema().get("maximum").asLong() + 1));
            }
            if (v == null) {
                v = p.defaultValue();
            }
            if (v == null) {
                continue;
            }
            v = integral(p, v);
            values.put(p.name(), v);
            if (p.marker() == ParamMarker.SEED) {
                seed = v.longValue();
            }
        }
        ObjectNode graph = d.workflow().deepCopy();
        List<ImageParam> images = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : values.entrySet()) {
            TemplateParam p = d.params().get(e.getKey());
            if (p.image()) {
                images.add(new ImageParam(p.name(), e.getValue(), p.binds().stream().map(GraphInput::toString).toList()));
                continue;
            }
            for (GraphInput b : p.binds()) {
                ((ObjectNode) graph.get(b.nodeId()).get("inputs")).set(b.input(), e.getValue().deepCopy());
            }
        }
        limits(t, graph);
        return new BoundTemplate(t.name(), t.version(), d.type(), Workflow.parse(graph.toString()), seed, images);
    }

    private static void check(Template t, ObjectNode params) {
        Map<String, TemplateParam> known = t.definition().params();
        String takes = known.isEmpty() ? "it takes none" : "it takes " + String.join(", ", known.keySet().stream().limit(MAX_NAMES_LISTED).toList());
        List<FieldError> errors = new ArrayList<>();
        int unknown = 0;
        for (var names = params.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.containsKey(name) && unknown++ < MAX_ERRORS) {
                errors.add(new FieldError(FieldError.pointer("params", name), "is not a param of template '" + t.name() + "'; " + takes));
            }
        }
        List<FieldError> invalid = t.validate(params);
        errors.addAll(invalid);
        int count = unknown + invalid.size();
        if (count > 0) {
            FieldError first = errors.get(0);
            throw new TemplateRefusedException(TemplateRefusedException.Reason.INVALID_PARAMS, "params do not fit template '" + t.name()
                    + "' version " + t.version() + ": " + first.pointer() + " " + first.message()
                    + (count > 1 ? " (and " + (count - 1) + " more)" : ""),
                    errors.subList(0, Math.min(errors.size(), MAX_ERRORS)));
        }
    }

    /** JSON Schema counts 5.0 as an integer; ComfyUI's integer inputs get 5. */
    private static JsonNode integral(TemplateParam p, JsonNode v) {
        if ("integer".equals(p.schema().path("type").asText(null)) && v.isFloatingPointNumber()) {
            return JsonNodeFactory.instance.numberNode(v.decimalValue().toBigIntegerExact());
        }
        return v;
    }

    private static void limits(Template t, ObjectNode graph) {
        TemplateLimits limits = t.definition().limits();
        TemplateParam batchParam = marked(t, ParamMarker.BATCH);
        Double batch = batchParam == null ? Double.valueOf(1) : valueAt(graph, batchParam);
        if (limits.maxBatch() != null && batch != null && batch > limits.maxBatch()) {
            throw new TemplateRefusedException(TemplateRefusedException.Reason.LIMIT_EXCEEDED, "the job asks for " + format(batch)
                    + " images; template '" + t.name() + "' allows at most " + limits.maxBatch() + " (maxBatch)",
                    List.of(new FieldError(FieldError.pointer("params", batchParam.name()), "is above maxBatch, "
                            + limits.maxBatch())));
        }
        TemplateParam widthParam = marked(t, ParamMarker.WIDTH);
        TemplateParam heightParam = marked(t, ParamMarker.HEIGHT);
        if (limits.maxMegapixels() == null || widthParam == null || heightParam == null) {
            return;
        }
        Double width = valueAt(graph, widthParam);
        Double height = valueAt(graph, heightParam);
        if (width == null || height == null || batch == null) {
            return;
        }
        double megapixels = width * height * batch / 1e6;
        if (megapixels > limits.maxMegapixels()) {
            String asked = format(width) + " x " + format(height) + " x " + format(batch) + " = " + String.format("%.2f", megapixels)
                    + " megapixels";
            throw new TemplateRefusedException(TemplateRefusedException.Reason.LIMIT_EXCEEDED, "the job asks for " + asked
                    + "; template '" + t.name() + "' allows at most " + format(limits.maxMegapixels()) + " (maxMegapixels)",
                    List.of(new FieldError("/params", "width x height x batch is above maxMegapixels, " + format(limits.maxMegapixels()))));
        }
    }

    private static TemplateParam marked(Template t, ParamMarker marker) {
        return t.definition().params().values().stream().filter(p -> p.marker() == marker).findFirst().orElse(null);
    }

    /** The number the graph holds where the param goes, or null when it holds none (a link). */
    private static Double valueAt(ObjectNode graph, TemplateParam p) {
        GraphInput b = p.binds().get(0);
        JsonNode v = graph.get(b.nodeId()).get("inputs").get(b.input());
        return v != null && v.isNumber() ? v.asDouble() : null;
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
