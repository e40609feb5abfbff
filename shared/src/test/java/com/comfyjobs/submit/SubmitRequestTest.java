package com.comfyjobs.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.JobType;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SubmitRequestTest {
    private static final String WF = "{\"9\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"8\",0]}},"
            + "\"8\":{\"class_type\":\"VAEDecode\",\"inputs\":{}}}";

    private static SubmitRequest parse(String body) {
        return SubmitRequest.parse(body.getBytes(StandardCharsets.UTF_8), 1024 * 1024);
    }

    @Test
    void parsesAllFields() {
        SubmitRequest r = parse("{\"workflow\":" + WF + ",\"type\":\"face_swap\",\"characterId\":\"c1\",\"metadata\":{\"a\":1}}");
        assertEquals(2, r.workflow().nodeCount());
        assertEquals(JobType.FACE_SWAP, r.type());
        assertEquals("c1", r.characterId());
        assertEquals("{\"a\":1}", r.metadataJson());
        assertEquals(JobType.IMAGE_GENERATION, parse("{\"workflow\":" + WF + "}").type());
    }

    @Test
    void fingerprintIgnoresKeyOrderAndWhitespaceButNotContent() {
        String a = parse("{\"workflow\":" + WF + ",\"metadata\":{\"x\":1,\"y\":2}}").fingerprint();
        String b = parse("{ \"metadata\": {\"y\":2, \"x\":1},\n \"workflow\": {\"8\":{\"inputs\":{},\"class_type\":\"VAEDecode\"},"
                + "\"9\":{\"inputs\":{\"images\":[\"8\",0]},\"class_type\":\"SaveImage\"}} }").fingerprint();
        assertEquals(a, b);
        assertNotEquals(a, parse("{\"workflow\":" + WF + ",\"metadata\":{\"x\":1,\"y\":3}}").fingerprint());
        assertEquals(parse("{\"workflow\":" + WF + "}").fingerprint(), parse("{\"workflow\":" + WF + ",\"type\":\"image_generation\"}").fingerprint());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "[]", "null", "{\"workflow\":null}", "{\"workflow\":[]}", "{\"workflow\":{}}",
            "{\"workflow\":{\"1\":{\"class_type\":\"X\"}}}", "{\"workflow\":" + WF + ",\"type\":\"video\"}",
            "{\"workflow\":" + WF + ",\"type\":5}", "{\"workflow\":" + WF + ",\"characterId\":\"\"}",
            "{\"workflow\":" + WF + ",\"metadata\":[1]}", "{\"workflow\":" + WF + ",\"extra\":1}",
            "{\"workflow\":" + WF + ",\"workflow\":" + WF + "}", "{\"workflow\":" + WF + "}}", "{\"workflow\":" + WF + "} []"})
    void badBodiesAreA400(String body) {
        SubmissionRefusedException e = assertThrows(SubmissionRefusedException.class, () -> parse(body));
        assertEquals(SubmissionRefusedException.Reason.MALFORMED, e.reason());
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
    }

    @Test
    void aTemplateJobNamesItsTemplateVersionAndParamsAndNoWorkflowOrType() {
        SubmitRequest r = parse("{\"template\":\"txt2img\",\"templateVersion\":2,\"params\":{\"prompt\":\"x\"},\"characterId\":\"c1\"}");
        assertEquals("txt2img", r.template().name());
        assertEquals(2, r.template().version());
        assertEquals("{\"prompt\":\"x\"}", r.template().params().toString());
        assertEquals("c1", r.characterId());
        assertNull(r.workflow());
        assertNull(r.type());
        assertNull(parse("{\"template\":\"txt2img\"}").template().version());
    }

    @Test
    void aTemplateJobsFingerprintIsTheRequestAsSent() {
        String a = parse("{\"template\":\"t\",\"params\":{\"a\":1,\"b\":2},\"metadata\":{\"m\":1}}").fingerprint();
        assertEquals(a, parse("{ \"metadata\":{\"m\":1}, \"params\":{\"b\":2, \"a\":1}, \"template\":\"t\" }").fingerprint());
        assertNotEquals(a, parse("{\"template\":\"t\",\"params\":{\"a\":1,\"b\":3},\"metadata\":{\"m\":1}}").fingerprint());
        assertNotEquals(a, parse("{\"template\":\"t\",\"templateVersion\":1,\"params\":{\"a\":1,\"b\":2},\"metadata\":{\"m\":1}}").fingerprint());
        assertNotEquals(a, parse("{\"template\":\"u\",\"params\":{\"a\":1,\"b\":2},\"metadata\":{\"m\":1}}").fingerprint());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"template\":\"t\",\"workflow\":" + WF + "}", "{\"params\":{}}", "{\"template\":\"T\"}",
            "{\"template\":\"../t\"}", "{\"template\":5}", "{\"template\":\"t\",\"templateVersion\":0}",
            "{\"template\":\"t\",\"templateVersion\":\"1\"}", "{\"template\":\"t\",\"templateVersion\":1.5}",
            "{\"template\":\"t\",\"templateVersion\":99999999999}", "{\"template\":\"t\",\"params\":[]}",
            "{\"template\":\"t\",\"params\":\"x\"}", "{\"template\":\"t\",\"type\":\"other\"}",
            "{\"workflow\":" + WF + ",\"params\":{}}", "{\"workflow\":" + WF + ",\"templateVersion\":1}",
            "{\"template\":\"t\",\"metadata\":[]}", "{\"template\":\"t\",\"characterId\":7}"})
    void badTemplateBodiesAreA400(String body) {
        SubmissionRefusedException e = assertThrows(SubmissionRefusedException.class, () -> parse(body));
        assertEquals(SubmissionRefusedException.Reason.MALFORMED, e.reason());
    }

    @Test
    void oversizedBodiesAreA413AndDeepOnesA400() {
        byte[] big = new byte[2048];
        assertEquals(SubmissionRefusedException.Reason.TOO_LARGE,
                assertThrows(SubmissionRefusedException.class, () -> SubmitRequest.parse(big, 1024)).reason());
        String deep = "{\"workflow\":{\"1\":{\"class_type\":\"X\",\"inputs\":{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}}}}";
        SubmissionRefusedException e = assertThrows(SubmissionRefusedException.class, () -> parse(deep));
        assertEquals(SubmissionRefusedException.Reason.MALFORMED, e.reason());
        assertTrue(e.getMessage().contains("nests"));
    }

    @Test
    void unknownFieldNamesAreQuotedSafely() {
        SubmissionRefusedException e = assertThrows(SubmissionRefusedException.class,
                () -> parse("{\"workflow\":" + WF + ",\"" + "\\u0007x".repeat(30) + "\":1}"));
        assertTrue(e.getMessage().contains("..."));
        assertTrue(e.getMessage().chars().noneMatch(Character::isISOControl));
    }

    @Test
    void imagesMapGraphInputsOfTheWorkflowToImagesAndCountInTheFingerprint() {
        SubmitRequest r = parse("{\"workflow\":" + WF + ",\"images\":{\"8.inputs.image\":{\"upload\":\"u\"},\"9.inputs.mask\":\"https://x\"}}");
        assertEquals(java.util.List.of("8.inputs.image", "9.inputs.mask"), java.util.List.copyOf(r.images().keySet()));
        assertEquals("u", r.images().get("8.inputs.image").get("upload").asText());
        assertTrue(parse("{\"workflow\":" + WF + "}").images().isEmpty());
        assertTrue(parse("{\"workflow\":" + WF + ",\"images\":null}").images().isEmpty());
        assertNotEquals(parse("{\"workflow\":" + WF + ",\"images\":{\"8.inputs.image\":\"https://a\"}}").fingerprint(),
                parse("{\"workflow\":" + WF + ",\"images\":{\"8.inputs.image\":\"https://b\"}}").fingerprint(),
                "another image is another request");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "\"x\"", "{\"8.image\":\"https://x\"}", "{\".inputs.image\":\"https://x\"}",
            "{\"8.inputs.\":\"https://x\"}", "{\"7.inputs.image\":\"https://x\"}", "{\"8\":\"https://x\"}", "{\"\":\"https://x\"}"})
    void imagesWithBadTargetsAreA400(String images) {
        SubmissionRefusedException e = assertThrows(SubmissionRefusedException.class,
                () -> parse("{\"workflow\":" + WF + ",\"images\":" + images + "}"));
        assertEquals(SubmissionRefusedException.Reason.MALFORMED, e.reason());
        assertTrue(e.getMessage().startsWith("images") || e.getMessage().startsWith("field 'images'"), e.getMessage());
    }

    @Test
    void atMostSixteenImages() {
        StringBuilder images = new StringBuilder("{");
        for (int i = 0; i <= SubmitRequest.MAX_IMAGES; i++) {
            images.append(i == 0 ? "" : ",").append("\"8.inputs.i").append(i).append("\":\"https://x\"");
        }
        SubmissionRefusedException e = assertThrows(SubmissionRefusedException.class,
                () -> parse("{\"workflow\":" + WF + ",\"images\":" + images + "}}"));
        assertEquals("field 'images' has 17 images; the limit is 16", e.getMessage());
    }
}
