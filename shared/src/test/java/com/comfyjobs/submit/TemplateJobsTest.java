package com.comfyjobs.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.Caller;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobInput;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobType;
import com.comfyjobs.simulator.engine.PromptFate;
import com.comfyjobs.templates.FieldError;
import com.comfyjobs.templates.TemplateRefusedException;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ServiceHarness;
import com.comfyjobs.testing.ShippedTemplates;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** POST /jobs with a template, as the service sees it: binding, the seed, refusals before anything is stored, dedupe, images. */
class TemplateJobsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private ServiceHarness h;

    private void start(Map<String, String> env) {
        h = ServiceHarness.start(env);
        h.publish("txt2img", ShippedTemplates.body("txt2img"));
        h.publish("img2img", ShippedTemplates.body("img2img"));
    }

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private SubmitResult submit(String body) {
        return h.submit.submit(Caller.user("u"), h.request(body), null);
    }

    private JsonNode storedGraph(Job job) throws Exception {
        return JSON.readTree(h.store.findWorkflow(job.id()).orElseThrow().json());
    }

    private TemplateRefusedException refused(TemplateRefusedException.Reason reason, String body) {
        TemplateRefusedException e = assertThrows(TemplateRefusedException.class, () -> submit(body));
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(0, h.store.countByUserId("u"), "nothing stored");
        assertTrue(h.sim.submittedPrompts().isEmpty(), "nothing sent");
        return e;
    }

    @Test
    void aTxt2imgJobRunsTheBoundGraphAndRecordsItsTemplateAndSeed() throws Exception {
        start(Map.of());

        SubmitResult r = submit("{\"template\": \"txt2img\", \"params\": {\"prompt\": \"a red fox in snow\", \"steps\": 1, \"width\": 256}}");

        Job job = h.stored(r.job().id());
        assertEquals(SubmitResult.Outcome.ACCEPTED, r.outcome());
        assertEquals(JobType.IMAGE_GENERATION, job.type());
        assertEquals("txt2img", job.template());
        assertEquals(1, job.templateVersion());
        assertNotNull(job.seed());
        JsonNode graph = storedGraph(job);
        assertEquals("a red fox in snow", graph.get("6").get("inputs").get("text").asText());
        assertEquals(256, graph.get("5").get("inputs").get("width").asInt());
        assertEquals(job.seed().longValue(), graph.get("3").get("inputs").get("seed").asLong(), "the seed recorded is the seed run");
        assertEquals(List.of(job.promptId()), h.sim.submittedPrompts());
        assertEquals(List.of(PromptFate.COMPLETED), h.awaitEnded(job));
    }

    @Test
    void aSeedGivenIsTheSeedRecordedAndRun() throws Exception {
        start(Map.of());
        Job job = h.stored(submit("{\"template\": \"txt2img\", \"params\": {\"prompt\": \"x\", \"steps\": 1, \"seed\": 1234}}").job().id());
        assertEquals(1234L, job.seed());
        assertEquals(1234L, storedGraph(job).get("3").get("inputs").get("seed").asLong());
    }

    @Test
    void aJobCanAskForAnOlderVersionAndKeepsTheGraphItWasBoundFrom() throws Exception {
        start(Map.of());
        String v2 = ShippedTemplates.body("txt2img").replace("\"default\": 20, \"bind\": [\"3.inputs.steps\"]",
                "\"default\": 3, \"bind\": [\"3.inputs.steps\"]");
        assertNotEquals(ShippedTemplates.body("txt2img"), v2);
        assertEquals(2, h.publish("txt2img", v2).template().version());

        Job latest = h.stored(submit("{\"template\": \"txt2img\", \"params\": {\"prompt\": \"x\"}}").job().id());
        Job pinned = h.stored(submit("{\"template\": \"txt2img\", \"templateVersion\": 1, \"params\": {\"prompt\": \"x\"}}").job().id());

        assertEquals(2, latest.templateVersion());
        assertEquals(3, storedGraph(latest).get("3").get("inputs").get("steps").asInt());
        assertEquals(1, pinned.templateVersion());
        assertEquals(20, storedGraph(pinned).get("3").get("inputs").get("steps").asInt());
        h.templates.retire(Caller.admin("ops"), "txt2img");
        assertEquals(3, storedGraph(latest).get("3").get("inputs").get("steps").asInt(), "a retired template's jobs keep their graph");
    }

    @Test
    void unknownRetiredOrMissingVersionTemplatesAreRefusedWithNothingStored() {
        start(Map.of());
        refused(TemplateRefusedException.Reason.UNKNOWN_TEMPLATE, "{\"template\": \"nope\", \"params\": {}}");
        refused(TemplateRefusedException.Reason.UNKNOWN_TEMPLATE, "{\"template\": \"txt2img\", \"templateVersion\": 9, \"params\": {\"prompt\": \"x\"}}");
        h.templates.retire(Caller.admin("ops"), "txt2img");
        refused(TemplateRefusedException.Reason.UNKNOWN_TEMPLATE, "{\"template\": \"txt2img\", \"params\": {\"prompt\": \"x\"}}");
        refused(TemplateRefusedException.Reason.UNKNOWN_TEMPLATE, "{\"template\": \"txt2img\", \"templateVersion\": 1, \"params\": {\"prompt\": \"x\"}}");
    }

    @Test
    void badParamsAndParamsOverTheLimitsAreRefusedWithNothingStored() {
        start(Map.of());
        TemplateRefusedException bad = refused(TemplateRefusedException.Reason.INVALID_PARAMS,
                "{\"template\": \"txt2img\", \"params\": {\"prompt\": \"x\", \"width\": \"wide\"}}");
        assertEquals("/params/width", bad.errors().get(0).pointer());
        TemplateRefusedException big = refused(TemplateRefusedException.Reason.LIMIT_EXCEEDED,
                "{\"template\": \"txt2img\", \"params\": {\"prompt\": \"x\", \"width\": 2048, \"height\": 2048}}");
        assertTrue(big.getMessage().contains("maxMegapixels"), big.getMessage());
    }

    @Test
    void identicalTemplateRequestsWithinTheDedupeWindowAreOneJobThoughTheSeedIsRandom() {
        start(Map.of("DEDUPE_IDENTICAL_SECONDS", "60"));
        String body = "{\"template\": \"txt2img\", \"params\": {\"prompt\": \"x\", \"steps\": 1}, \"metadata\": {\"order\": 7}}";

        SubmitResult first = submit(body);
        SubmitResult again = submit(body);
        SubmitResult other = submit(body.replace("\"order\": 7", "\"order\": 8"));

        assertEquals(first.job().id(), again.job().id());
        assertTrue(again.replayed());
        assertNotEquals(first.job().id(), other.job().id());
        assertEquals(2, h.store.countByUserId("u"));
        assertEquals(2, h.sim.submittedPrompts().size());
    }

    @Test
    void anImageParamIsTakenForTheJobAndStagedIntoItsGraphAtDispatch() throws Exception {
        start(Map.of());
        String image = dataUri(16);
        String body = "{\"template\": \"img2img\", \"params\": {\"image\": \"" + image + "\", \"prompt\": \"x\", \"steps\": 1}}";

        Job job = h.stored(submit(body).job().id());

        assertEquals(1, h.images.calls().size());
        var call = h.images.calls().get(0);
        assertEquals(List.of("u", job.id(), "image", image, List.of("1.inputs.image")),
                List.of(call.userId(), call.jobId(), call.param(), call.source().asText(), call.binds()));
        JobInput input = job.inputs().get(0);
        assertEquals(List.of("image", "image/png", List.of("1.inputs.image")), List.of(input.param(), input.contentType(), input.binds()));
        assertTrue(input.objectKey().startsWith("inputs/" + job.id() + "/"), input.objectKey());
        assertEquals("example.png", storedGraph(job).get("1").get("inputs").get("image").asText(), "the stored graph is the template's");
        assertEquals(List.of(PromptFate.COMPLETED), h.awaitEnded(job), "the img2img graph runs on the staged image");
        assertFalse(Files.exists(h.sim.inputDir().resolve("example.png")), "the template's own placeholder is never read");
    }

    @Test
    void aRepeatedKeyIsAnsweredFromItsJobWithoutTakingItsImagesAgain() {
        start(Map.of());
        h.sim.faults().stopListening();
        String body = "{\"template\": \"img2img\", \"params\": {\"image\": \"" + dataUri(16) + "\", \"prompt\": \"x\"}}";

        SubmitResult first = h.submit.submit(Caller.user("u"), h.request(body), "key-1");
        SubmitResult again = h.submit.submit(Caller.user("u"), h.request(body), "key-1");

        assertEquals(first.job().id(), again.job().id());
        assertTrue(again.replayed());
        assertEquals(1, h.images.calls().size());
        assertEquals(SubmissionRefusedException.Reason.KEY_REUSED, assertThrows(SubmissionRefusedException.class,
                () -> h.submit.submit(Caller.user("u"), h.request(body.replace(dataUri(16), dataUri(8))), "key-1")).reason());
        assertEquals(1, h.images.calls().size());
        assertEquals(JobStatus.QUEUED, h.stored(first.job().id()).status());
    }

    @Test
    void aStringParamCannotNameAFileNorCanADefaultAndSuchATemplateIsRefusedAtPublish() throws Exception {
        start(Map.of());
        ObjectNode t = (ObjectNode) JSON.readTree(ShippedTemplates.body("img2img"));
        ObjectNode image = (ObjectNode) t.get("params").get("image");
        image.remove("format");
        image.put("type", "string");

        TemplateRefusedException e = assertThrows(TemplateRefusedException.class, () -> h.publish("named-file", t.toString()));

        assertEquals(TemplateRefusedException.Reason.INVALID_TEMPLATE, e.reason());
        assertEquals(List.of("/workflow/1/inputs/image"), e.errors().stream().map(FieldError::pointer).toList());
        t.remove("params");
        t.putObject("params");
        e = assertThrows(TemplateRefusedException.class, () -> h.publish("default-file", t.toString()));
        assertEquals(List.of("/workflow/1/inputs/image"), e.errors().stream().map(FieldError::pointer).toList(),
                "the template's own value names a file no job brought");
    }

    private static String dataUri(int size) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(JobFixtures.image("png", size));
    }
}
