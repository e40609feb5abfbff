package com.comfyjobs.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import com.comfyjobs.templates.TemplateRefusedException;
import com.comfyjobs.testing.ServiceHarness;
import com.comfyjobs.testing.ShippedTemplates;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
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
        return h.submit.submit("u", h.request(body), null);
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
    void anImageParamIsTakenForTheJobAndTheGraphLeftForStaging() throws Exception {
        start(Map.of());
        ImageIO.write(new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB), "png", h.sim.inputDir().resolve("example.png").toFile());
        String body = "{\"template\": \"img2img\", \"params\": {\"image\": {\"upload\": \"up-1\"}, \"prompt\": \"x\", \"steps\": 1}}";

        Job job = h.stored(submit(body).job().id());

        assertEquals(1, h.images.calls().size());
        var call = h.images.calls().get(0);
        assertEquals(List.of("u", job.id(), "image", "{\"upload\":\"up-1\"}", List.of("1.inputs.image")),
                List.of(call.userId(), call.jobId(), call.param(), call.source().toString(), call.binds()));
        assertEquals(List.of(new JobInput("image", "inputs/" + job.id() + "/image", "image/png", List.of("1.inputs.image"))), job.inputs());
        assertEquals("example.png", storedGraph(job).get("1").get("inputs").get("image").asText());
        assertEquals(List.of(PromptFate.COMPLETED), h.awaitEnded(job), "the img2img graph runs on ComfyUI's nodes");
    }

    @Test
    void aRepeatedKeyIsAnsweredFromItsJobWithoutTakingItsImagesAgain() {
        start(Map.of());
        h.sim.faults().stopListening();
        String body = "{\"template\": \"img2img\", \"params\": {\"image\": \"https://example.com/a.png\", \"prompt\": \"x\"}}";

        SubmitResult first = h.submit.submit("u", h.request(body), "key-1");
        SubmitResult again = h.submit.submit("u", h.request(body), "key-1");

        assertEquals(first.job().id(), again.job().id());
        assertTrue(again.replayed());
        assertEquals(1, h.images.calls().size());
        assertEquals(SubmissionRefusedException.Reason.KEY_REUSED, assertThrows(SubmissionRefusedException.class,
                () -> h.submit.submit("u", h.request(body.replace("a.png", "b.png")), "key-1")).reason());
        assertEquals(1, h.images.calls().size());
        assertEquals(JobStatus.QUEUED, h.stored(first.job().id()).status());
    }
}
