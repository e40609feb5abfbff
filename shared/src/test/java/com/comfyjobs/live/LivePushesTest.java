package com.comfyjobs.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.simulator.engine.PromptFate;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ServiceHarness;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every way a job changes reaches its live listeners, from the service that changes it: ComfyUI's
 * webhooks and the finalizer, a cancel, recovery, the dispatcher. Fast tier: the services on the
 * in-memory store, the simulator over HTTP, pushes through the real Management API client to a local
 * sink.
 */
class LivePushesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private ServiceHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private void subscribe(String connection, String user, String message) {
        h.live.connect(connection, user);
        JsonNode answer = read(h.live.receive(connection, message));
        assertEquals("subscribed", answer.path("type").asText(), answer.toString());
    }

    private void subscribe(String connection, Job job) {
        subscribe(connection, job.userId(), "{\"action\": \"subscribe\", \"jobId\": \"" + job.id() + "\"}");
    }

    private List<JsonNode> messages(String connection) {
        return h.sink.messages(connection).stream().map(LivePushesTest::read).toList();
    }

    private List<String> types(String connection) {
        return messages(connection).stream().map(m -> m.path("type").asText()).toList();
    }

    private static JsonNode read(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }

    private void pause() {
        h.clock.advance(Duration.ofMillis(300));
    }

    @Test
    void aSubscriberSeesItsJobStartRiseAndSucceedWithItsArtifactsAsGetShowsThem() {
        h = ServiceHarness.start();
        Job job = h.submit("u", ServiceHarness.quick());
        subscribe("c", job);
        assertEquals(List.of(PromptFate.COMPLETED), h.awaitEnded(job));
        h.deliver("execution_start", ServiceHarness.data(job.promptId()));
        pause();
        h.deliver("executing", ServiceHarness.data(job.promptId()).put("node", "3"));
        pause();
        h.deliver("progress", ServiceHarness.data(job.promptId()).put("node", "3").put("value", 1).put("max", 2));
        pause();
        h.deliver("execution_success", ServiceHarness.data(job.promptId()));

        List<JsonNode> got = messages("c");
        assertEquals(List.of("job.running", "job.progress", "job.progress", "job.progress", "job.succeeded"), types("c"));
        assertEquals("finalizing", got.get(3).path("data").path("status").asText(), "finalizing is progress to a caller");
        double before = -1;
        for (JsonNode m : got) {
            assertEquals(job.id(), m.path("data").path("jobId").asText());
            assertTrue(m.path("data").path("progress").asDouble() >= before, "progress never goes back");
            before = m.path("data").path("progress").asDouble();
        }
        JsonNode done = got.get(got.size() - 1);
        assertEquals("succeeded", done.path("data").path("status").asText());
        JsonNode artifact = done.path("data").path("artifacts").get(0);
        assertTrue(artifact.path("url").asText().startsWith("http"), "a download URL, as GET shows it: " + artifact);
        JsonNode asGetShowsIt = com.comfyjobs.query.JobJson.view(h.query.get("u", job.id()));
        assertEquals(withoutUrls(asGetShowsIt).toString(), withoutUrls(done.path("data")).toString(),
                "the job exactly as GET returns it, but for fresh URLs");
    }

    private static JsonNode withoutUrls(JsonNode job) {
        ObjectNode copy = job.deepCopy();
        copy.path("artifacts").forEach(a -> ((ObjectNode) a).remove("url"));
        return copy;
    }

    @Test
    void aCancelIsPushedUpToTheJobsEnd() {
        h = ServiceHarness.start();
        h.sim.faults().holdQueue(true);
        Job job = h.submit("u", ServiceHarness.quick());
        subscribe("c", job);

        h.cancel.cancel("u", job.id());

        List<String> types = types("c");
        assertEquals("job.canceled", types.get(types.size() - 1), types.toString());
        assertTrue(messages("c").get(0).path("data").path("cancelRequested").asBoolean(), "the request itself is news");
    }

    @Test
    void recoveryExpiringAJobPushesItsEnd() {
        h = ServiceHarness.start();
        h.sim.faults().holdQueue(true);
        Job job = h.submit("u", ServiceHarness.quick());
        subscribe("c", job);
        h.clock.advance(h.settings.maxQueueAge().plus(h.settings.maxRuntime(job.type())).plusSeconds(1));

        h.recover();

        assertEquals(List.of("job.expired"), types("c"));
        assertEquals("expired", messages("c").get(0).path("data").path("error").path("type").asText());
    }

    @Test
    void recoveryResubmittingALostPromptPushesTheNextAttemptAsQueued() {
        h = ServiceHarness.start();
        h.sim.faults().holdQueue(true);
        Job job = h.submit("u", ServiceHarness.quick());
        subscribe("c", job);
        h.sim.faults().restart();

        h.recoverStale();

        JsonNode first = messages("c").get(0);
        assertEquals("job.queued", first.path("type").asText(), messages("c").toString());
        assertEquals(2, first.path("data").path("attempt").asInt());
    }

    @Test
    void aWorkflowComfyUiRefusesAtDispatchIsPushedFailedToWhoeverListensToAllTheUsersJobs() {
        h = ServiceHarness.start();
        subscribe("all", "u", "{\"action\": \"subscribe\", \"all\": true}");
        Job job = h.submit("u", JobFixtures.defaultWorkflow(g -> ((ObjectNode) g.get("3").get("inputs")).put("steps", 0)));

        assertEquals(JobStatus.FAILED, job.status(), "ComfyUI refused it");
        assertEquals(List.of("job.failed"), types("all"));
        assertEquals("comfyui_rejected", messages("all").get(0).path("data").path("error").path("type").asText());
    }

    @Test
    void aSubscriberOfAllItsJobsHearsNothingOfAnotherUsersJobs() {
        h = ServiceHarness.start();
        h.sim.faults().holdQueue(true);
        subscribe("mine", "alice", "{\"action\": \"subscribe\", \"all\": true}");
        Job hers = h.submit("alice", ServiceHarness.quick());
        Job his = h.submit("bob", ServiceHarness.quick());
        h.deliver("execution_start", ServiceHarness.data(his.promptId()));
        h.deliver("execution_start", ServiceHarness.data(hers.promptId()));

        List<JsonNode> got = messages("mine");
        assertEquals(1, got.size(), got.toString());
        assertEquals(hers.id(), got.get(0).path("data").path("jobId").asText());
        assertFalse(h.sink.messages("mine").stream().anyMatch(m -> m.contains(his.id()) || m.contains("bob")));
    }
}
