package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.testing.ShippedTemplates;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Templates over the local stack's real HTTP API: the shipped ones published at start, each route's
 * answer, who may publish and retire, versions, and a txt2img template job run on the simulator to
 * success with its seed recorded.
 */
class TemplatesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "admin";
    private static LocalStack stack;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        LocalStack.Options o = TestStacks.options("templates-it");
        o.simulatorStepMillis = 5;
        stack = LocalStack.start(o);
        api = new Api(stack.apiUrl());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static ObjectNode txt2img() throws IOException {
        return (ObjectNode) JSON.readTree(ShippedTemplates.body("txt2img"));
    }

    private static void problem(int status, Api.Response r) {
        assertEquals(status, r.status(), r.body().toString());
        assertEquals("application/problem+json", r.header("Content-Type"));
        assertEquals(status, r.body().path("status").asInt());
    }

    private static List<String> pointers(Api.Response r) {
        List<String> out = new ArrayList<>();
        r.body().path("errors").forEach(e -> out.add(e.path("pointer").asText()));
        return out;
    }

    @Test
    void theShippedTemplatesArePublishedAtStartAndListedWithTheirParamsSchema() {
        assertEquals(List.of("img2img v1", "txt2img v1"), stack.templates());
        Api.Response r = api.templates("dev");
        assertEquals(200, r.status());
        List<String> names = new ArrayList<>();
        r.body().get("templates").forEach(t -> names.add(t.get("name").asText()));
        assertTrue(names.containsAll(List.of("img2img", "txt2img")), names.toString());
        JsonNode t = api.template("dev", "txt2img").body();
        assertEquals("txt2img", t.get("name").asText());
        assertEquals(1, t.get("version").asInt());
        assertEquals("image_generation", t.get("type").asText());
        assertFalse(t.get("description").asText().isBlank());
        assertEquals("object", t.get("params").get("type").asText());
        assertEquals("[\"prompt\"]", t.get("params").get("required").toString());
        assertEquals("seed", t.get("params").get("properties").get("seed").get("x-comfyjobs").asText());
        assertFalse(t.toString().contains("bind"), "the graph and binds stay inside");
        assertFalse(t.has("workflow"));
    }

    @Test
    void aTxt2imgTemplateJobSucceedsOnTheSimulatorWithItsSeedRecorded() {
        Api.Response r = api.submit("alice", Api.templateBody("txt2img", Api.params().put("prompt", "a fox").put("steps", 2)
                .put("width", 256).put("height", 256)), null);
        assertEquals(202, r.status(), r.body().toString());
        JsonNode done = api.await("alice", r.body().get("jobId").asText(), Api.status("succeeded"), Duration.ofSeconds(60), null);
        assertEquals("image_generation", done.get("type").asText());
        assertEquals("txt2img", done.get("template").asText());
        assertEquals(1, done.get("templateVersion").asInt());
        assertTrue(done.get("seed").isIntegralNumber() && done.get("seed").asLong() >= 0, done.toString());
        assertEquals(1, done.get("artifacts").size());
        JsonNode raw = api.submit("alice", Api.submitBody(3), null).body();
        JsonNode rawJob = api.get("alice", raw.get("jobId").asText()).body();
        assertFalse(rawJob.has("template") || rawJob.has("seed"), "a raw job names no template");
    }

    @Test
    void badParamsAndParamsOverTheLimitsAnswer400WithWhereAndWhy() {
        Api.Response bad = api.submit("alice", Api.templateBody("txt2img", Api.params().put("prompt", "x").put("width", "wide")
                .put("colour", "red")), null);
        problem(400, bad);
        assertEquals("urn:comfyjobs:problem:invalid-params", bad.body().get("type").asText());
        assertEquals(List.of("/params/colour", "/params/width"), pointers(bad).stream().sorted().toList());
        Api.Response big = api.submit("alice", Api.templateBody("txt2img", Api.params().put("prompt", "x").put("width", 2048)
                .put("height", 2048)), null);
        problem(400, big);
        assertTrue(big.body().get("detail").asText().contains("maxMegapixels"), big.body().toString());
        problem(400, api.submit("alice", Api.templateBody("no-such", Api.params()), null));
        problem(400, api.submit("alice", "{\"template\": \"txt2img\", \"workflow\": " + Api.workflow(1) + "}", null));
    }

    @Test
    void onlyAnAdminPublishesOrRetiresAndARefusalChangesNothing() throws Exception {
        JsonNode before = api.template("dev", "txt2img").body();
        problem(403, api.publish("dev", "mine", txt2img().toString()));
        problem(403, api.publish("dev", "txt2img", txt2img().put("description", "taken over").toString()));
        problem(403, api.retire("dev", "txt2img"));
        assertEquals(404, api.template("dev", "mine").status());
        assertEquals(before, api.template("dev", "txt2img").body());
    }

    @Test
    void publishingVersionsRetiringAndPublishingAgain() throws Exception {
        ObjectNode body = txt2img().put("description", "foxes");
        Api.Response first = api.publish(ADMIN, "foxes", body.toString());
        assertEquals(201, first.status(), first.body().toString());
        assertEquals("/templates/foxes", first.header("Location"));
        assertEquals(1, first.body().get("version").asInt());
        assertEquals("foxes", first.body().get("description").asText());
        Api.Response same = api.publish(ADMIN, "foxes", JSON.readTree(body.toString()).toPrettyString());
        assertEquals(200, same.status());
        assertEquals(1, same.body().get("version").asInt());
        Api.Response second = api.publish(ADMIN, "foxes", body.put("description", "more foxes").toString());
        assertEquals(201, second.status());
        assertEquals(2, second.body().get("version").asInt());
        assertEquals(2, api.template("dev", "foxes").body().get("version").asInt());
        Api.Response pinned = api.submit("alice", "{\"template\": \"foxes\", \"templateVersion\": 1, \"params\": {\"prompt\": \"x\"}}", null);
        assertEquals(202, pinned.status(), pinned.body().toString());

        assertEquals(204, api.retire(ADMIN, "foxes").status());
        problem(404, api.template("dev", "foxes"));
        assertEquals(204, api.retire(ADMIN, "foxes").status(), "retiring again");
        problem(400, api.submit("alice", Api.templateBody("foxes", Api.params().put("prompt", "x")), null));
        assertFalse(api.templates("dev").body().toString().contains("\"foxes\""));
        assertEquals(200, api.get("alice", pinned.body().get("jobId").asText()).status(), "its jobs stay");

        Api.Response again = api.publish(ADMIN, "foxes", body.toString());
        assertEquals(201, again.status());
        assertEquals(3, again.body().get("version").asInt());
    }

    @Test
    void anInvalidTemplateIsRefusedWithEachProblemAtItsPointer() throws Exception {
        ObjectNode body = txt2img();
        ((ObjectNode) body.get("params").get("prompt")).putArray("bind").add("66.inputs.text");
        ((ObjectNode) body.get("params").get("steps")).put("minimum", "one");
        ((ObjectNode) body.get("workflow").get("8")).put("class_type", "VAEDecodeTiled");
        Api.Response r = api.publish(ADMIN, "broken", body.toString());
        problem(400, r);
        assertEquals("urn:comfyjobs:problem:invalid-template", r.body().get("type").asText());
        assertEquals(List.of("/params/prompt/bind/0", "/params/steps/minimum"), pointers(r).stream().sorted().toList());
        ObjectNode unknownNode = txt2img();
        ((ObjectNode) unknownNode.get("workflow").get("8")).put("class_type", "VAEDecodeTiled");
        Api.Response catalog = api.publish(ADMIN, "broken", unknownNode.toString());
        problem(400, catalog);
        assertEquals(List.of("/workflow/8/class_type"), pointers(catalog), "checked against the simulator's /object_info");
        problem(404, api.template("dev", "broken"));
    }

    @Test
    void unknownTemplatesAre404AndBadNames400() {
        problem(404, api.template("dev", "never-published"));
        problem(404, api.retire(ADMIN, "never-published"));
        problem(400, api.template("dev", "Txt2Img"));
        problem(400, api.template("dev", "..%2F..%2Ftemplate.yaml"));
        problem(400, api.publish(ADMIN, "a%7Bb%7D", "{}"));
    }
}
