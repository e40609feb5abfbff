package com.comfyjobs.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobError;
import com.comfyjobs.job.JobInput;
import com.comfyjobs.job.JobOutput;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.SentGraph;
import com.comfyjobs.job.Step;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Job full() {
        Instant t = Instant.parse("2026-11-22T23:33:18.100Z");
        return Job.queued("0b7e6d1c-0000-4000-8000-000000000001", "user-1", JobType.FACE_SWAP, t)
                .characterId("c1").status(JobStatus.RUNNING).progress(0.25).currentNode("3").step(new Step(5, 20))
                .attempt(2).comfyServer("http://gpu-1:8188").promptId("p_2").startedAt(t.plusMillis(5))
                .submittedAt(t.plusMillis(1)).leaseUntil(t.plusSeconds(30))
                .outputs(List.of(new JobOutput("9", "a.png", "sub", "output")))
                .artifacts(List.of(new JobArtifact("artifacts/user-1/x/2/9/a.png", "a.png", "image/png", 42)))
                .error(new JobError("execution_error", "boom", "3", "KSampler", JSON.createObjectNode().put("k", 1).toString()))
                .cancelRequested(true).idempotencyKey("k").metadataJson(JSON.createObjectNode().put("m", "v").toString())
                .nodeCount(7).cachedNodes(List.of("4")).finishedNodes(List.of("5", "6"))
                .leaseOwner("w-1").workflowSha256("ab12").workflowBytes(768).sentGraph(new SentGraph(2, "5e".repeat(32)))
                .build();
    }

    @Test
    void roundTripsEveryField() {
        Job j = full();
        assertEquals(j, JobJson.fromJson(JobJson.toJson(j)));
    }

    @Test
    void aTemplateJobShowsItsTemplateVersionAndSeedAndARawJobNone() {
        Job templated = full().toBuilder().template("txt2img", 3).seed(9_007_199_254_740_991L).build();
        ObjectNode o = JobJson.publicView(templated, a -> null);
        assertEquals("txt2img", o.get("template").asText());
        assertEquals(3, o.get("templateVersion").asInt());
        assertEquals(9_007_199_254_740_991L, o.get("seed").asLong());
        assertEquals(templated, JobJson.fromJson(JobJson.toJson(templated)));
        ObjectNode raw = JobJson.publicView(full(), a -> null);
        assertFalse(raw.has("template") || raw.has("templateVersion") || raw.has("seed"));
    }

    @Test
    void timestampsAreUtcWithExactlyThreeFractionDigits() {
        ObjectNode o = JobJson.toJson(full());
        assertEquals("2026-11-22T23:33:18.100Z", o.get("createdAt").asText());
        assertEquals("2026-11-22T23:33:18.105Z", o.get("startedAt").asText());
        assertEquals("2026-11-22T23:33:48.100Z", o.get("leaseUntil").asText());
        assertEquals("1970-01-01T00:00:00.000Z", JobJson.timestamp(Instant.EPOCH));
    }

    @Test
    void publicViewHidesInfrastructureAndAddsUrls() {
        ObjectNode o = JobJson.publicView(full(), a -> "https://bucket/" + a.filename());
        assertFalse(o.has("comfyServer"));
        assertFalse(o.has("leaseUntil"));
        assertFalse(o.has("cachedNodes"));
        assertEquals("https://bucket/a.png", o.get("artifacts").get(0).get("url").asText());
        assertEquals("running", o.get("status").asText());
        assertEquals("face_swap", o.get("type").asText());
        assertEquals(5, o.get("step").get("value").asInt());
    }

    @Test
    void eachArtifactCarriesTheSeedTheJobRanWith() {
        ObjectNode seeded = JobJson.publicView(full().toBuilder().seed(-42L).build(), a -> null);
        assertEquals(-42L, seeded.get("artifacts").get(0).get("seed").asLong());
        assertTrue(seeded.get("artifacts").get(0).get("seed").isIntegralNumber());
        ObjectNode unseeded = JobJson.publicView(full(), a -> null);
        assertFalse(unseeded.get("artifacts").get(0).has("seed"), "no seed known, none shown");
    }

    @Test
    void aJobWhoseArtifactsWereDeletedSaysSoAndListsNone() {
        Job deleted = full().toBuilder().status(JobStatus.SUCCEEDED).artifacts(List.of()).artifactsDeleted(true).build();
        ObjectNode o = JobJson.publicView(deleted, a -> "https://bucket/" + a.filename());
        assertTrue(o.get("artifactsDeleted").asBoolean());
        assertEquals(0, o.get("artifacts").size());
        assertFalse(JobJson.publicView(full(), a -> null).get("artifactsDeleted").asBoolean());
        assertEquals(deleted, JobJson.fromJson(JobJson.toJson(deleted)));
    }

    /** After the copy, nothing of a job's inputs is readable through the API: no answer names their objects. */
    @Test
    void aCallerSeesNoObjectKeyOfTheJobsInputs() {
        Job withInputs = full().toBuilder().inputs(List.of(
                new JobInput("image", "uploads/user-1/u-123", "image/png", List.of("10.inputs.image")),
                new JobInput("mask", "inputs/0b7e6d1c-0000-4000-8000-000000000001/mask.webp", "image/webp", List.of("11.inputs.image"))))
                .build();
        String answer = JobJson.publicView(withInputs, a -> "https://bucket/" + a.key()).toString();
        assertFalse(answer.contains("uploads/"), answer);
        assertFalse(answer.contains("inputs/"), answer);
    }

    @Test
    void unknownStatusOrTypeIsAnError() {
        ObjectNode o = JobJson.toJson(full());
        o.put("status", "paused");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobJson.fromJson(o));
        assertTrue(e.getMessage().contains("paused"));
        ObjectNode p = JobJson.toJson(full());
        p.put("type", "video");
        assertThrows(IllegalArgumentException.class, () -> JobJson.fromJson(p));
        ObjectNode q = JobJson.toJson(full());
        q.put("createdAt", "yesterday");
        assertThrows(IllegalArgumentException.class, () -> JobJson.fromJson(q));
    }
}
