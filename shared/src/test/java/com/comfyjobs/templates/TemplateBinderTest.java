package com.comfyjobs.templates;

import com.comfyjobs.comfyui.GraphInput;
import com.comfyjobs.testing.ShippedTemplates;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A job's params against its template: validation, defaults, the seed, the limits, and the bound copy of the graph. */
class TemplateBinderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Template TXT2IMG = new Template("txt2img", 3, TemplateDefinition.parse(TemplateDefinitionTest.txt2img()));

    private static ObjectNode params(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static BoundTemplate bind(String json) {
        return TemplateBinder.bind(TXT2IMG, params(json), new Random(7));
    }

    private static JsonNode input(BoundTemplate b, String node, String input) {
        try {
            return JSON.readTree(b.workflow().json()).get(node).get("inputs").get(input);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static TemplateRefusedException refused(String json) {
        return assertThrows(TemplateRefusedException.class, () -> bind(json));
    }

    private static Set<String> pointers(TemplateRefusedException e) {
        return e.errors().stream().map(FieldError::pointer).collect(Collectors.toSet());
    }

    @Test
    void everyValueGoesToEveryBindTargetAndDefaultsFillTheRest() {
        Template twoTargets = new Template("t", 1, TemplateDefinition.parse(TemplateDefinitionTest.txt2img()));
        ObjectNode body = TemplateDefinitionTest.txt2img();
        ((ObjectNode) body.get("params").get("prompt")).putArray("bind").add("6.inputs.text").add("7.inputs.text");
        ((ObjectNode) body.get("params")).remove("negative_prompt");
        twoTargets = new Template("t", 1, TemplateDefinition.parse(body));
        BoundTemplate b = TemplateBinder.bind(twoTargets, params("{\"prompt\": \"a red fox\", \"steps\": 7, \"width\": 640}"), new Random(1));
        assertEquals("a red fox", input(b, "6", "text").asText());
        assertEquals("a red fox", input(b, "7", "text").asText());
        assertEquals(7, input(b, "3", "steps").asInt());
        assertEquals(640, input(b, "5", "width").asInt());
        assertEquals(512, input(b, "5", "height").asInt(), "the default");
        assertEquals("euler", input(b, "3", "sampler_name").asText(), "the default");
        assertEquals(List.of("4", 1), List.of(input(b, "6", "clip").get(0).asText(), input(b, "6", "clip").get(1).asInt()), "links untouched");
    }

    @Test
    void bindingWritesIntoACopyTheTemplatesGraphStaysAsPublished() {
        String before = TXT2IMG.definition().workflow().toString();
        bind("{\"prompt\": \"a red fox\", \"steps\": 7}");
        assertEquals(before, TXT2IMG.definition().workflow().toString());
        assertEquals("a lighthouse on a cliff at dawn, oil painting", TXT2IMG.definition().workflow().get("6").get("inputs").get("text").asText());
    }

    @Test
    void theJobTakesTheTemplatesNameVersionAndType() {
        BoundTemplate b = bind("{\"prompt\": \"x\"}");
        assertEquals("txt2img", b.name());
        assertEquals(3, b.version());
        assertEquals(TXT2IMG.definition().type(), b.type());
        assertEquals(7, b.workflow().nodeCount());
    }

    @Test
    void aSeedLeftOutIsRandomWithinItsRangeAndInTheGraph() {
        BoundTemplate a = TemplateBinder.bind(TXT2IMG, params("{\"prompt\": \"x\"}"), new java.security.SecureRandom());
        BoundTemplate b = TemplateBinder.bind(TXT2IMG, params("{\"prompt\": \"x\"}"), new java.security.SecureRandom());
        assertTrue(a.seed() >= 0 && a.seed() <= TemplateDefinition.MAX_SEED);
        assertNotEquals(a.seed(), b.seed(), "two draws of 2^53 values");
        assertEquals(a.seed().longValue(), input(a, "3", "seed").asLong());
    }

    @Test
    void aSeedGivenIsKept() {
        BoundTemplate b = bind("{\"prompt\": \"x\", \"seed\": 9007199254740991}");
        assertEquals(9007199254740991L, b.seed());
        assertEquals(9007199254740991L, input(b, "3", "seed").asLong());
        assertEquals(42L, bind("{\"prompt\": \"x\", \"seed\": 42.0}").seed());
        assertTrue(input(bind("{\"prompt\": \"x\", \"seed\": 42.0}"), "3", "seed").isIntegralNumber(), "ComfyUI's INT inputs get integers");
    }

    @Test
    void aTemplateWithoutASeedParamRecordsNoSeed() {
        ObjectNode body = TemplateDefinitionTest.txt2img();
        ((ObjectNode) body.get("params")).remove("seed");
        assertNull(TemplateBinder.bind(new Template("t", 1, TemplateDefinition.parse(body)), params("{\"prompt\": \"x\"}"), new Random(1)).seed());
    }

    @Test
    void eachKindOfBadValueIsRefusedAtItsPointer() {
        assertEquals(Set.of("/params/width"), pointers(refused("{\"prompt\": \"x\", \"width\": \"wide\"}")));
        assertEquals(Set.of("/params/width"), pointers(refused("{\"prompt\": \"x\", \"width\": 100}")), "multipleOf");
        assertEquals(Set.of("/params/width"), pointers(refused("{\"prompt\": \"x\", \"width\": 4096}")), "maximum");
        assertEquals(Set.of("/params/steps"), pointers(refused("{\"prompt\": \"x\", \"steps\": 2.5}")));
        assertEquals(Set.of("/params/sampler"), pointers(refused("{\"prompt\": \"x\", \"sampler\": \"warp\"}")));
        assertEquals(Set.of("/params/prompt"), pointers(refused("{\"prompt\": \"\"}")), "minLength");
        assertEquals(Set.of("/params/prompt"), pointers(refused("{}")), "required");
        assertEquals(Set.of("/params/prompt"), pointers(refused("{\"prompt\": null}")));
        assertEquals(Set.of("/params/prompt"), pointers(refused("{\"prompt\": [\"4\", 0]}")), "no link smuggled in");
        assertEquals(Set.of("/params/prompt"), pointers(refused("{\"prompt\": {\"a\": 1}}")));
        assertEquals(Set.of("/params/cfg"), pointers(refused("{\"prompt\": \"x\", \"cfg\": true}")));
        assertEquals(Set.of("/params/checkpoint"), pointers(refused("{\"prompt\": \"x\", \"checkpoint\": \"../../secrets.safetensors\"}")));
        assertEquals(Set.of("/params/colour"), pointers(refused("{\"prompt\": \"x\", \"colour\": \"red\"}")), "not a param");
        TemplateRefusedException e = refused("{\"prompt\": \"x\", \"width\": \"wide\", \"steps\": -1, \"colour\": 1}");
        assertEquals(TemplateRefusedException.Reason.INVALID_PARAMS, e.reason());
        assertEquals(Set.of("/params/width", "/params/steps", "/params/colour"), pointers(e), "every problem, not the first");
        assertTrue(e.getMessage().contains("txt2img") && e.getMessage().contains("version 3"), e.getMessage());
    }

    @Test
    void anUnknownParamNamesWhatTheTemplateTakes() {
        TemplateRefusedException e = refused("{\"prompt\": \"x\", \"colour\": \"red\"}");
        assertTrue(e.errors().get(0).message().contains("it takes prompt, negative_prompt"), e.errors().toString());
    }

    @Test
    void hugeValuesAndNamesAreNotRepeated() {
        String huge = "z".repeat(200_000);
        String longestName = "z".repeat(50_000);
        TemplateRefusedException e = refused("{\"prompt\": \"" + huge + "\", \"" + longestName + "\": 1, \"sampler\": \"" + huge + "\"}");
        assertTrue(e.getMessage().length() < 1000, e.getMessage().length() + " chars");
        for (FieldError f : e.errors()) {
            assertTrue(f.pointer().length() < 100 && f.message().length() < 400, f.toString());
            assertTrue(!f.message().contains("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"), f.toString());
        }
    }

    @Test
    void aBatchOverMaxBatchIsRefusedNamingTheLimit() {
        ObjectNode body = TemplateDefinitionTest.txt2img();
        ((ObjectNode) body.get("limits")).put("maxBatch", 4);
        Template t = new Template("t", 1, TemplateDefinition.parse(body));
        TemplateBinder.bind(t, params("{\"prompt\": \"x\", \"batch_size\": 4}"), new Random(1));
        TemplateRefusedException e = assertThrows(TemplateRefusedException.class,
                () -> TemplateBinder.bind(t, params("{\"prompt\": \"x\", \"batch_size\": 5}"), new Random(1)));
        assertEquals(TemplateRefusedException.Reason.LIMIT_EXCEEDED, e.reason());
        assertTrue(e.getMessage().contains("maxBatch"), e.getMessage());
        assertEquals(Set.of("/params/batch_size"), pointers(e));
    }

    @Test
    void pixelsOverMaxMegapixelsAreRefusedNamingTheLimitCountingTheBatchAndTheDefaults() {
        bind("{\"prompt\": \"x\", \"width\": 2000, \"height\": 2000}");
        TemplateRefusedException e = refused("{\"prompt\": \"x\", \"width\": 2048, \"height\": 2048}");
        assertEquals(TemplateRefusedException.Reason.LIMIT_EXCEEDED, e.reason());
        assertTrue(e.getMessage().contains("maxMegapixels") && e.getMessage().contains("2048 x 2048 x 1"), e.getMessage());
        bind("{\"prompt\": \"x\", \"batch_size\": 10}");
        TemplateRefusedException batch = refused("{\"prompt\": \"x\", \"width\": 1024, \"height\": 1024, \"batch_size\": 4}");
        assertTrue(batch.getMessage().contains("maxMegapixels"), batch.getMessage());
        TemplateRefusedException defaults = refused("{\"prompt\": \"x\", \"width\": 2048, \"batch_size\": 4}");
        assertTrue(defaults.getMessage().contains("2048 x 512 x 4"), "the height's default counts: " + defaults.getMessage());
    }

    @Test
    void withoutABatchParamTheBatchIsOne() {
        ObjectNode body = TemplateDefinitionTest.txt2img();
        ((ObjectNode) body.get("params")).remove("batch_size");
        ((ObjectNode) body.get("limits")).put("maxMegapixels", 0.3);
        Template t = new Template("t", 1, TemplateDefinition.parse(body));
        TemplateBinder.bind(t, params("{\"prompt\": \"x\", \"width\": 512, \"height\": 512}"), new Random(1));
        TemplateRefusedException e = assertThrows(TemplateRefusedException.class,
                () -> TemplateBinder.bind(t, params("{\"prompt\": \"x\", \"width\": 576, \"height\": 576}"), new Random(1)));
        assertTrue(e.getMessage().contains("576 x 576 x 1"), e.getMessage());
    }

    @Test
    void anImageParamIsHandedOverWithItsBindsAndTheGraphKeepsTheTemplatesValue() throws Exception {
        Template img = new Template("img2img", 1, TemplateDefinition.parse(JSON.readTree(ShippedTemplates.body("img2img"))));
        BoundTemplate b = TemplateBinder.bind(img, params("{\"image\": {\"upload\": \"u-1\"}, \"prompt\": \"x\"}"), new Random(1));
        assertEquals(List.of(new ImageParam("image", params("{\"upload\": \"u-1\"}"), List.of("1.inputs.image"))), b.images());
        assertEquals("example.png", input(b, "1", "image").asText());
        assertEquals(Set.of("/params/image"), pointers(assertThrows(TemplateRefusedException.class,
                () -> TemplateBinder.bind(img, params("{\"prompt\": \"x\"}"), new Random(1)))));
    }
}
