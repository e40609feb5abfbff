package com.comfyjobs.templates;

import com.comfyjobs.comfyui.GraphInput;
import com.comfyjobs.job.JobType;
import com.comfyjobs.testing.ShippedTemplates;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a PUT body must be to become a template, and how each refusal says where the problem is. */
class TemplateDefinitionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static ObjectNode txt2img() {
        try {
            return (ObjectNode) JSON.readTree(ShippedTemplates.body("txt2img"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode txt2img(Consumer<ObjectNode> change) {
        ObjectNode t = txt2img();
        change.accept(t);
        return t;
    }

    private static ObjectNode param(ObjectNode t, String name) {
        return (ObjectNode) t.get("params").get(name);
    }

    /** The refusal's errors; fails when the body is taken. */
    private static List<FieldError> refused(JsonNode body) {
        TemplateRefusedException e = assertThrows(TemplateRefusedException.class, () -> TemplateDefinition.parse(body));
        assertEquals(TemplateRefusedException.Reason.INVALID_TEMPLATE, e.reason());
        assertFalse(e.errors().isEmpty());
        return e.errors();
    }

    private static void refusedAt(String pointer, String messagePart, JsonNode body) {
        List<FieldError> errors = refused(body);
        assertTrue(errors.stream().anyMatch(f -> f.pointer().equals(pointer) && f.message().contains(messagePart)),
                "expected " + pointer + " '" + messagePart + "' in " + errors);
    }

    @Test
    void theShippedTemplatesAreValid() throws Exception {
        TemplateDefinition t = TemplateDefinition.parse(txt2img());
        assertEquals(JobType.IMAGE_GENERATION, t.type());
        assertEquals(10, t.params().size());
        assertEquals(ParamMarker.SEED, t.params().get("seed").marker());
        assertEquals(List.of(new GraphInput("6", "text")), t.params().get("prompt").binds());
        assertEquals(4.0, t.limits().maxMegapixels());
        TemplateDefinition img = TemplateDefinition.parse(JSON.readTree(ShippedTemplates.body("img2img")));
        assertTrue(img.params().get("image").image());
    }

    @Test
    void theParamsSchemaListsEveryParamWithoutItsBindsAndAllowsNoOthers() {
        ObjectNode s = TemplateDefinition.parse(txt2img()).paramsSchema();
        assertEquals("object", s.get("type").asText());
        assertFalse(s.get("additionalProperties").asBoolean());
        assertEquals("[\"prompt\"]", s.get("required").toString());
        assertEquals(10, s.get("properties").size());
        assertFalse(s.get("properties").get("prompt").has("bind"));
        assertFalse(s.get("properties").get("prompt").has("required"));
        assertEquals("seed", s.get("properties").get("seed").get("x-comfyjobs").asText());
    }

    @Test
    void theSameBodyInAnotherKeyOrderHasTheSameHashAndAnotherBodyAnother() throws Exception {
        ObjectNode a = txt2img();
        ObjectNode reordered = JSON.createObjectNode();
        reordered.set("limits", a.get("limits"));
        reordered.set("params", a.get("params"));
        reordered.set("workflow", a.get("workflow"));
        reordered.set("description", a.get("description"));
        reordered.set("type", a.get("type"));
        assertEquals(TemplateDefinition.parse(a).sha256(), TemplateDefinition.parse(reordered).sha256());
        assertEquals(TemplateDefinition.parse(a).canonicalJson(), TemplateDefinition.parse(JSON.readTree(reordered.toPrettyString())).canonicalJson());
        assertNotEquals(TemplateDefinition.parse(a).sha256(), TemplateDefinition.parse(txt2img(t -> t.put("description", "x"))).sha256());
    }

    @Test
    void aBindToANodeTheWorkflowDoesNotHaveIsRefusedAtTheBind() {
        refusedAt("/params/prompt/bind/0", "no node '66'", txt2img(t -> param(t, "prompt").putArray("bind").add("66.inputs.text")));
    }

    @Test
    void aBindToAnInputTheNodeDoesNotHaveIsRefusedAtTheBind() {
        refusedAt("/params/steps/bind/1", "has no input 'stepz'",
                txt2img(t -> ((com.fasterxml.jackson.databind.node.ArrayNode) param(t, "steps").get("bind")).add("3.inputs.stepz")));
    }

    @Test
    void aBindThatIsNotANodeInputOrIsALinkOrTakenIsRefused() {
        refusedAt("/params/steps/bind/0", "\"<node id>.inputs.<input>\"", txt2img(t -> param(t, "steps").putArray("bind").add("3.steps")));
        refusedAt("/params/steps/bind", "must list", txt2img(t -> param(t, "steps").putArray("bind")));
        refusedAt("/params/steps/bind", "must list", txt2img(t -> param(t, "steps").remove("bind")));
        refusedAt("/params/steps/bind/0", "is a link", txt2img(t -> param(t, "steps").putArray("bind").add("3.inputs.model")));
        refusedAt("/params/steps/bind/0", "param 'prompt' fills this input already", txt2img(t -> param(t, "steps").putArray("bind").add("6.inputs.text")));
    }

    @Test
    void aParamSchemaThatIsNotAValidJsonSchemaIsRefusedWhereItIsWrong() {
        refusedAt("/params/steps/type", "enumeration", txt2img(t -> param(t, "steps").put("type", "integr")));
        refusedAt("/params/steps/minimum", "number expected", txt2img(t -> param(t, "steps").put("minimum", "one")));
        refusedAt("/params/prompt", "invalid regular expression: Unclosed character class", txt2img(t -> param(t, "prompt").put("pattern", "([")));
        refusedAt("/params/prompt/required", "true or false", txt2img(t -> param(t, "prompt").putArray("required").add("x")));
    }

    @Test
    void aParamSchemaThatReachesForAnotherSchemaIsRefused() {
        refusedAt("/params/prompt/$ref", "self-contained", txt2img(t -> param(t, "prompt").put("$ref", "https://example.com/s.json")));
        refusedAt("/params/prompt/anyOf/0/$ref", "self-contained",
                txt2img(t -> param(t, "prompt").putArray("anyOf").addObject().put("$ref", "classpath:/template.yaml")));
        refusedAt("/params/prompt/$id", "self-contained", txt2img(t -> param(t, "prompt").put("$id", "https://example.com/x")));
    }

    @Test
    void aParamWrittenIntoTheGraphMustSayItsScalarType() {
        refusedAt("/params/steps/type", "string, integer, number or boolean", txt2img(t -> param(t, "steps").remove("type")));
        refusedAt("/params/steps/type", "string, integer, number or boolean", txt2img(t -> param(t, "steps").put("type", "array")));
        TemplateDefinition.parse(txt2img(t -> param(t, "steps").putArray("type").add("integer").add("string")));
    }

    @Test
    void aDefaultMustFitItsParam() {
        refusedAt("/params/steps/default", "the default", txt2img(t -> param(t, "steps").put("default", 1000)));
        refusedAt("/params/steps/default", "the default", txt2img(t -> param(t, "steps").put("default", "twenty")));
    }

    @Test
    void markersAreKnownOncePerTemplateAndOnIntegers() {
        refusedAt("/params/steps/x-comfyjobs", "seed, width, height, batch", txt2img(t -> param(t, "steps").put("x-comfyjobs", "steps")));
        refusedAt("/params/steps/x-comfyjobs", "param 'width' is marked width already", txt2img(t -> param(t, "steps").put("x-comfyjobs", "width")));
        refusedAt("/params/cfg/x-comfyjobs", "\"type\": \"integer\"", txt2img(t -> {
            param(t, "batch_size").remove("x-comfyjobs");
            param(t, "cfg").put("x-comfyjobs", "batch");
        }));
    }

    @Test
    void aSeedParamNeedsAnExactRangeAndNoDefault() {
        refusedAt("/params/seed", "within 0..9007199254740991", txt2img(t -> param(t, "seed").remove("maximum")));
        refusedAt("/params/seed", "within 0..9007199254740991", txt2img(t -> param(t, "seed").put("maximum", 18446744073709551615.0)));
        refusedAt("/params/seed", "within 0..9007199254740991", txt2img(t -> param(t, "seed").put("minimum", -1)));
        refusedAt("/params/seed/default", "no default", txt2img(t -> param(t, "seed").put("default", 5)));
    }

    @Test
    void anImageParamTakesNoMarkerAndOnlyStringOrObjectValues() {
        refusedAt("/params/prompt/type", "leave type out", txt2img(t -> param(t, "prompt").put("format", "image").put("type", "integer")));
        TemplateDefinition d = TemplateDefinition.parse(txt2img(t -> param(t, "prompt").put("format", "image").putArray("type").add("string").add("object")));
        assertTrue(d.params().get("prompt").image());
    }

    @Test
    void aWorkflowNodeMustBeSoundAndItsLinksMustReachNodes() {
        refusedAt("/workflow", "class_type", txt2img(t -> ((ObjectNode) t.get("workflow").get("3")).put("class_type", 7)));
        refusedAt("/workflow", "inputs", txt2img(t -> ((ObjectNode) t.get("workflow").get("3")).remove("inputs")));
        refusedAt("/workflow", "required", txt2img(t -> t.remove("workflow")));
        refusedAt("/workflow/8/inputs/samples", "links to node '33'",
                txt2img(t -> ((ObjectNode) t.get("workflow").get("8").get("inputs")).putArray("samples").add("33").add(0)));
        refusedAt("/workflow/8/inputs/samples", "not", txt2img(t -> ((ObjectNode) t.get("workflow").get("8").get("inputs")).putArray("samples").add(1)));
    }

    @Test
    void limitsAreKnownPositiveAndHaveWhatTheyNeed() {
        refusedAt("/limits/maxMegapixels", "above 0", txt2img(t -> ((ObjectNode) t.get("limits")).put("maxMegapixels", 0)));
        refusedAt("/limits/maxBatch", "at least 1", txt2img(t -> ((ObjectNode) t.get("limits")).put("maxBatch", 1.5)));
        refusedAt("/limits/maxFrames", "unknown limit", txt2img(t -> ((ObjectNode) t.get("limits")).put("maxFrames", 3)));
        refusedAt("/limits/maxMegapixels", "width and height", txt2img(t -> param(t, "width").remove("x-comfyjobs")));
    }

    @Test
    void theBodyItselfMustBeATemplate() {
        refusedAt("", "JSON object", JSON.createArrayNode());
        refusedAt("/owner", "unknown field", txt2img(t -> t.put("owner", "x")));
        refusedAt("/type", "image_generation", txt2img(t -> t.put("type", "video")));
        refusedAt("/params/1st", "param name", txt2img(t -> ((ObjectNode) t.get("params")).set("1st", param(t, "steps").deepCopy())));
        refusedAt("/params/a~1b", "param name", txt2img(t -> ((ObjectNode) t.get("params")).set("a/b", param(t, "steps").deepCopy())));
    }

    @Test
    void everyProblemIsListedNotOnlyTheFirst() {
        List<FieldError> errors = refused(txt2img(t -> {
            t.put("type", "video");
            param(t, "steps").put("minimum", "one");
            param(t, "prompt").putArray("bind").add("66.inputs.text");
        }));
        assertEquals(List.of("/params/prompt/bind/0", "/params/steps/minimum", "/type"),
                errors.stream().map(FieldError::pointer).sorted().toList());
    }

    @Test
    void aHugeNameIsNotRepeatedInFull() {
        String huge = "n".repeat(100_000);
        List<FieldError> errors = refused(txt2img(t -> ((ObjectNode) t.get("params")).set(huge, param(t, "steps").deepCopy())));
        assertTrue(errors.stream().allMatch(f -> f.pointer().length() < 100 && f.message().length() <= 303), errors.toString());
    }
}
