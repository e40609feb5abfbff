package com.comfyjobs.templates;

import com.comfyjobs.comfyui.GraphInput;
import com.comfyjobs.job.InvalidWorkflowException;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.Workflow;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A template as the body of its PUT defines it:
 * {@code {"type", "description", "workflow", "params": {"<param>": {<JSON Schema>, "required", "bind"}}, "limits"}}.
 * {@link #parse} checks everything that can be checked without a ComfyUI server and refuses the body
 * with every problem it finds, each at its JSON pointer: the workflow's shape and links, each param's
 * schema, binds, marker and default, and the limits. A param's value goes into the graph as it is, so
 * a param that is not an image must say its {@code type}, one of the scalar types ComfyUI's widgets
 * take: an array would read as a link to another node.
 */
public final class TemplateDefinition {
    /** The largest seed a template may allow: every JSON reader keeps integers up to 2^53-1 exact. */
    public static final long MAX_SEED = (1L << 53) - 1;
    private static final int MAX_ERRORS = 50;
    private static final int MAX_DESCRIPTION_CHARS = 2000;
    private static final int MAX_BINDS = 64;
    private static final Set<String> FIELDS = Set.of("type", "description", "workflow", "params", "limits");
    private static final Set<String> LIMIT_FIELDS = Set.of("maxMegapixels", "maxBatch");
    private static final Set<String> VALUE_TYPES = Set.of("string", "integer", "number", "boolean");
    private static final Set<String> IMAGE_TYPES = Set.of("string", "object");
    private static final Pattern PARAM_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    private static final String IMAGE_FORMAT = "image";

    private final JobType type;
    private final String description;
    private final ObjectNode workflow;
    private final Map<String, TemplateParam> params;
    private final TemplateLimits limits;
    private final String canonicalJson;
    private final String sha256;

    private TemplateDefinition(JobType type, String description, ObjectNode workflow, Map<String, TemplateParam> params,
                               TemplateLimits limits, JsonNode body) {
        this.type = type;
        this.description = description;
        this.workflow = workflow;
        this.params = Collections.unmodifiableMap(params);
        this.limits = limits;
        this.canonicalJson = CanonicalJson.of(body);
        this.sha256 = CanonicalJson.sha256(body);
    }

    /**
     * The definition {@code body} gives.
     *
     * @throws TemplateRefusedException (INVALID_TEMPLATE) listing what is wrong, at most 50 things
     */
    public static TemplateDefinition parse(JsonNode body) {
        Problems problems = new Problems();
        if (body == null || !body.isObject()) {
            throw problems.add("", "a template is a JSON object: {\"type\", \"description\", \"workflow\", \"params\", \"limits\"}").refusal();
        }
        body.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                problems.add(FieldError.pointer(f), "unknown field; a template has type, description, workflow, params and limits");
            }
        });
        JobType type = type(body.get("type"), problems);
        String description = description(body.get("description"), problems);
        ObjectNode workflow = workflow(body.get("workflow"), problems);
        Map<String, TemplateParam> params = params(body.get("params"), workflow, problems);
        TemplateLimits limits = limits(body.get("limits"), params, problems);
        if (!problems.isEmpty()) {
            throw problems.refusal();
        }
        return new TemplateDefinition(type, description, workflow, params, limits, body);
    }

    private static JobType type(JsonNode t, Problems problems) {
        if (t == null || t.isNull()) {
            return JobType.IMAGE_GENERATION;
        }
        try {
            if (t.isTextual()) {
                return JobType.fromWire(t.asText());
            }
        } catch (IllegalArgumentException e) {
            // refused below with the list of types
        }
        problems.add("/type", "must be one of image_generation, lora_training, face_swap, other");
        return JobType.IMAGE_GENERATION;
    }

    private static String description(JsonNode d, Problems problems) {
        if (d == null || d.isNull()) {
            return "";
        }
        if (!d.isTextual() || d.asText().length() > MAX_DESCRIPTION_CHARS) {
            problems.add("/description", "must be a string of at most " + MAX_DESCRIPTION_CHARS + " characters");
            return "";
        }
        return d.asText();
    }

    /** The workflow when its shape and links are sound, else null (binds are then not checked against it). */
    private static ObjectNode workflow(JsonNode w, Problems problems) {
        if (w == null || w.isNull()) {
            problems.add("/workflow", "is required: the ComfyUI workflow in API format (ComfyUI's \"Export (API)\")");
            return null;
        }
        try {
            Workflow.parse(w.toString());
        } catch (InvalidWorkflowException e) {
            problems.add("/workflow", e.getMessage());
            return null;
        }
        boolean sound = true;
        Iterator<Map.Entry<String, JsonNode>> nodes = w.fields();
        while (nodes.hasNext()) {
            Map.Entry<String, JsonNode> node = nodes.next();
            Iterator<Map.Entry<String, JsonNode>> inputs = node.getValue().get("inputs").fields();
            while (inputs.hasNext()) {
                Map.Entry<String, JsonNode> input = inputs.next();
                JsonNode v = input.getValue();
                if (!v.isArray()) {
                    continue;
                }
                String at = FieldError.pointer("workflow", node.getKey(), "inputs", input.getKey());
                if (!isLink(v)) {
                    problems.add(at, "a list is a link, [\"<node id>\", <output index>]; this one is not");
                    sound = false;
                } else if (!w.has(v.get(0).asText())) {
                    problems.add(at, "links to node '" + FieldError.name(v.get(0).asText()) + "', which the workflow does not have");
                    sound = false;
                }
            }
        }
        return sound ? (ObjectNode) w : null;
    }

    private static boolean isLink(JsonNode v) {
        return v.isArray() && v.size() == 2 && v.get(0).isTextual() && v.get(1).canConvertToInt() && v.get(1).isIntegralNumber();
    }

    private static Map<String, TemplateParam> params(JsonNode p, ObjectNode workflow, Problems problems) {
        Map<String, TemplateParam> out = new LinkedHashMap<>();
        if (p == null || p.isNull()) {
            return out;
        }
        if (!p.isObject()) {
            problems.add("/params", "must be an object of params: {\"<param>\": {<JSON Schema>, \"required\", \"bind\"}}");
            return out;
        }
        Map<String, String> boundBy = new HashMap<>();
        Map<ParamMarker, String> markedBy = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = p.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            TemplateParam param = param(e.getKey(), e.getValue(), workflow, boundBy, markedBy, problems);
            if (param != null) {
                out.put(param.name(), param);
            }
        }
        return out;
    }

    private static TemplateParam param(String name, JsonNode def, ObjectNode workflow, Map<String, String> boundBy,
                                       Map<ParamMarker, String> markedBy, Problems problems) {
        String at = FieldError.pointer("params", name);
        if (!PARAM_NAME.matcher(name).matches()) {
            problems.add(at, "a param name is 1 to 64 letters, digits and '_', not starting with a digit");
            return null;
        }
        if (!def.isObject()) {
            problems.add(at, "must be an object: a JSON Schema with \"required\" and \"bind\"");
            return null;
        }
        int before = problems.size();
        boolean required = false;
        JsonNode r = def.get("required");
        if (r != null && !r.isBoolean()) {
            problems.add(at + "/required", "must be true or false");
        } else if (r != null) {
            required = r.asBoolean();
        }
        ObjectNode schema = ((ObjectNode) def).deepCopy();
        schema.remove(List.of("required", "bind"));
        boolean image = IMAGE_FORMAT.equals(schema.path("format").asText(null));
        List<GraphInput> binds = binds(at, def.get("bind"), workflow, name, boundBy, problems);
        List<FieldError> schemaErrors = JsonSchemas.check(at, schema);
        schemaErrors.forEach(problems::add);
        ParamMarker marker = marker(at, schema, name, markedBy, problems);
        if (schemaErrors.isEmpty()) {
            valueType(at, schema, image, marker, problems);
            JsonNode dflt = schema.get("default");
            if (dflt != null) {
                JsonSchemas.compile(schema).validate(at + "/default", dflt, Set.of())
                        .forEach(f -> problems.add(f.pointer(), "the default " + f.message()));
            }
        }
        if (marker == ParamMarker.SEED) {
            seed(at, schema, problems);
        }
        return problems.size() == before ? new TemplateParam(name, schema, required, binds, marker, image) : null;
    }

    private static List<GraphInput> binds(String at, JsonNode bind, ObjectNode workflow, String param, Map<String, String> boundBy,
                                          Problems problems) {
        List<GraphInput> out = new ArrayList<>();
        if (bind == null || !bind.isArray() || bind.isEmpty() || bind.size() > MAX_BINDS) {
            problems.add(at + "/bind", "must list 1 to " + MAX_BINDS + " graph inputs the param fills, each \"<node id>.inputs.<input>\"");
            return out;
        }
        for (int i = 0; i < bind.size(); i++) {
            String here = at + "/bind/" + i;
            JsonNode b = bind.get(i);
            GraphInput target = b.isTextual() ? GraphInput.parse(b.asText()).orElse(null) : null;
            if (target == null) {
                problems.add(here, "must be \"<node id>.inputs.<input>\"");
                continue;
            }
            if (workflow == null) {
                continue;
            }
            JsonNode node = workflow.get(target.nodeId());
            if (node == null) {
                problems.add(here, "the workflow has no node '" + FieldError.name(target.nodeId()) + "'");
            } else if (!node.get("inputs").has(target.input())) {
                problems.add(here, "node '" + FieldError.name(target.nodeId()) + "' (" + FieldError.name(node.get("class_type").asText())
                        + ") has no input '" + FieldError.name(target.input()) + "' in the workflow");
            } else if (isLink(node.get("inputs").get(target.input()))) {
                problems.add(here, "is a link to another node; a param fills widget inputs only");
            } else {
                String other = boundBy.putIfAbsent(target.toString(), param);
                if (other != null) {
                    problems.add(here, "param '" + other + "' fills this input already");
                } else {
                    out.add(target);
                }
            }
        }
        return out;
    }

    private static ParamMarker marker(String at, ObjectNode schema, String param, Map<ParamMarker, String> markedBy, Problems problems) {
        JsonNode m = schema.get(ParamMarker.KEYWORD);
        if (m == null) {
            return null;
        }
        ParamMarker marker = m.isTextual() ? ParamMarker.fromWire(m.asText()).orElse(null) : null;
        String here = at + FieldError.pointer(ParamMarker.KEYWORD);
        if (marker == null) {
            problems.add(here, "must be one of seed, width, height, batch");
            return null;
        }
        String other = markedBy.putIfAbsent(marker, param);
        if (other != null) {
            problems.add(here, "param '" + other + "' is marked " + marker.wire() + " already; a template has at most one");
            return null;
        }
        if (!"integer".equals(schema.path("type").asText(null))) {
            problems.add(here, "a param marked " + marker.wire() + " must be \"type\": \"integer\"");
        }
        return marker;
    }

    /** What a value may be: a scalar for a param written into the graph, a string or an object for an image. */
    private static void valueType(String at, ObjectNode schema, boolean image, ParamMarker marker, Problems problems) {
        JsonNode t = schema.get("type");
        if (image) {
            if (marker != null) {
                problems.add(at + FieldError.pointer(ParamMarker.KEYWORD), "an image param carries no marker");
            }
            if (t != null && !types(t).stream().allMatch(IMAGE_TYPES::contains)) {
                problems.add(at + "/type", "an image is a URL or data URI string, or {\"upload\": \"<id>\"}: leave type out, or allow"
                        + " only string and object");
            }
            return;
        }
        if (t == null || !types(t).stream().allMatch(VALUE_TYPES::contains)) {
            problems.add(at + "/type", "must name what the graph input takes: string, integer, number or boolean (or a list of them)");
        }
    }

    private static List<String> types(JsonNode t) {
        List<String> out = new ArrayList<>();
        if (t.isTextual()) {
            out.add(t.asText());
        } else {
            t.forEach(e -> out.add(e.asText()));
        }
        return out;
    }

    private static void seed(String at, ObjectNode schema, Problems problems) {
        if (schema.has("default")) {
            problems.add(at + "/default", "a seed param is random when a job leaves it out; it has no default");
        }
        JsonNode min = schema.get("minimum");
        JsonNode max = schema.get("maximum");
        if (min == null || max == null || !min.isIntegralNumber() || !max.isIntegralNumber() || !min.canConvertToLong()
                || !max.canConvertToLong() || min.asLong() < 0 || max.asLong() > MAX_SEED || min.asLong() > max.asLong()) {
            problems.add(at, "a seed param needs \"minimum\" and \"maximum\" within 0.." + MAX_SEED
                    + ", so the seed stays exact in every JSON reader");
        }
    }

    private static TemplateLimits limits(JsonNode l, Map<String, TemplateParam> params, Problems problems) {
        if (l == null || l.isNull()) {
            return TemplateLimits.NONE;
        }
        if (!l.isObject()) {
            problems.add("/limits", "must be an object: {\"maxMegapixels\", \"maxBatch\"}");
            return TemplateLimits.NONE;
        }
        l.fieldNames().forEachRemaining(f -> {
            if (!LIMIT_FIELDS.contains(f)) {
                problems.add(FieldError.pointer("limits", f), "unknown limit; the limits are maxMegapixels and maxBatch");
            }
        });
        Double megapixels = null;
        JsonNode mp = l.get("maxMegapixels");
        if (mp != null && !mp.isNull()) {
            if (!mp.isNumber() || !(mp.asDouble() > 0) || Double.isInfinite(mp.asDouble())) {
                problems.add("/limits/maxMegapixels", "must be a number above 0");
            } else {
                megapixels = mp.asDouble();
                boolean marked = params.values().stream().anyMatch(p -> p.marker() == ParamMarker.WIDTH)
                        && params.values().stream().anyMatch(p -> p.marker() == ParamMarker.HEIGHT);
                if (!marked) {
                    problems.add("/limits/maxMegapixels", "needs params marked width and height (\"x-comfyjobs\") to be checked against");
                }
            }
        }
        Integer batch = null;
        JsonNode b = l.get("maxBatch");
        if (b != null && !b.isNull()) {
            if (!b.isIntegralNumber() || !b.canConvertToInt() || b.asInt() < 1) {
                problems.add("/limits/maxBatch", "must be an integer of at least 1");
            } else {
                batch = b.asInt();
            }
        }
        return new TemplateLimits(megapixels, batch);
    }

    public JobType type() {
        return type;
    }

    public String description() {
        return description;
    }

    /** The template's graph; binding writes into a copy of it, never into this one. */
    ObjectNode workflow() {
        return workflow;
    }

    public Map<String, TemplateParam> params() {
        return params;
    }

    public TemplateLimits limits() {
        return limits;
    }

    /** The body as stored: its canonical JSON. */
    public String canonicalJson() {
        return canonicalJson;
    }

    /** What a version is recognised by: the same body again is the same version. */
    public String sha256() {
        return sha256;
    }

    /**
     * The JSON Schema of a job's params object: each param's schema (without {@code bind}), the
     * required ones listed, no others allowed.
     */
    public ObjectNode paramsSchema() {
        ObjectNode s = JsonNodeFactory.instance.objectNode().put("type", "object");
        ObjectNode properties = s.putObject("properties");
        params.values().forEach(p -> properties.set(p.name(), p.schema()));
        var required = s.putArray("required");
        params.values().stream().filter(TemplateParam::required).forEach(p -> required.add(p.name()));
        s.put("additionalProperties", false);
        return s;
    }

    /** Problems found so far, at most {@link #MAX_ERRORS}. */
    private static final class Problems {
        private final List<FieldError> errors = new ArrayList<>();
        private int count;

        Problems add(String pointer, String message) {
            return add(new FieldError(pointer, message));
        }

        Problems add(FieldError e) {
            count++;
            if (errors.size() < MAX_ERRORS) {
                errors.add(e);
            }
            return this;
        }

        boolean isEmpty() {
            return count == 0;
        }

        int size() {
            return count;
        }

        TemplateRefusedException refusal() {
            String detail = count == 1 ? "the template has a problem at " + errors.get(0).pointer() + ": " + errors.get(0).message()
                    : "the template has " + count + " problems" + (count > errors.size() ? " (the first " + errors.size() + " listed)" : "");
            return new TemplateRefusedException(TemplateRefusedException.Reason.INVALID_TEMPLATE, detail, errors);
        }
    }
}
