package com.comfyjobs.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.comfyui.HistoryEntry;
import com.comfyjobs.comfyui.Reply;
import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import com.comfyjobs.job.Caller;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.simulator.engine.PromptFate;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ServiceHarness;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** POST /jobs as the service sees it: admission, idempotency and the first submission to ComfyUI (the simulator). */
class SubmitServiceTest {
    private ServiceHarness h;

    private void start(Map<String, String> env) {
        h = ServiceHarness.start(env);
    }

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private SubmitResult submit(String user, Workflow workflow, String key) {
        return h.submit.submit(Caller.user(user), h.request(workflow), key);
    }

    private SubmissionRefusedException.Reason refusal(String user, Workflow workflow, String key) {
        return assertThrows(SubmissionRefusedException.class, () -> submit(user, workflow, key)).reason();
    }

    private static Workflow unknownCheckpoint() {
        return JobFixtures.defaultWorkflow(g -> ((ObjectNode) g.get("4").get("inputs")).put("ckpt_name", "no-such-model.safetensors"));
    }

    @Test
    void aSubmissionIsStoredAcceptedAndSentToComfyUiOnce() {
        start(Map.of());

        SubmitResult r = submit("u", ServiceHarness.quick(), null);

        assertEquals(SubmitResult.Outcome.ACCEPTED, r.outcome());
        assertFalse(r.replayed());
        Job job = h.stored(r.job().id());
        assertEquals(JobStatus.QUEUED, job.status());
        assertEquals(1, job.attempt());
        assertEquals(h.sim.baseUrl(), job.comfyServer());
        assertTrue(job.isSubmitted());
        assertNull(job.leaseOwner(), "the dispatch is over");
        assertEquals(List.of(job.promptId()), h.sim.submittedPrompts());
        assertEquals(List.of(PromptFate.COMPLETED), h.awaitEnded(job));
        HistoryEntry entry = ((Reply.Ok<Optional<HistoryEntry>>) h.comfy(h.sim).history(job.promptId())).value().orElseThrow();
        assertEquals(job.id(), entry.extraData().path("jobId").asText(), "ComfyUI keeps whose prompt it is");
    }

    @Test
    void withComfyUiDownTheJobIsAcceptedAndWaitsWithNothingSent() {
        start(Map.of());
        h.sim.faults().stopListening();

        SubmitResult r = submit("u", ServiceHarness.quick(), null);

        assertEquals(SubmitResult.Outcome.ACCEPTED, r.outcome());
        Job job = h.stored(r.job().id());
        assertEquals(JobStatus.QUEUED, job.status());
        assertFalse(job.isSubmitted());
        assertNull(job.comfyServer());
        assertNull(job.leaseOwner(), "recovery may take it at once");
        assertTrue(h.sim.submittedPrompts().isEmpty());
    }

    @Test
    void aWorkflowComfyUiRejectsIsAnsweredRejectedWithComfyUisReasons() throws Exception {
        start(Map.of());

        SubmitResult r = submit("u", unknownCheckpoint(), null);

        assertEquals(SubmitResult.Outcome.REJECTED, r.outcome());
        Job job = h.stored(r.job().id());
        assertEquals(JobStatus.FAILED, job.status());
        assertEquals("comfyui_rejected", job.error().type());
        JsonNode details = new ObjectMapper().readTree(job.error().detailsJson());
        assertEquals("prompt_outputs_failed_validation", details.path("error").path("type").asText(), details.toString());
        assertEquals("value_not_in_list", details.path("node_errors").path("4").path("errors").path(0).path("type").asText(), details.toString());
        assertTrue(h.sim.submittedPrompts().isEmpty());
    }

    @Test
    void theSameIdempotencyKeyAndBodyAnswerTheSameJobAndSendOnePrompt() {
        start(Map.of());
        Workflow workflow = ServiceHarness.quick();
        SubmitResult first = submit("u", workflow, "key-1");

        SubmitResult again = submit("u", workflow, "key-1");

        assertEquals(SubmitResult.Outcome.ACCEPTED, again.outcome());
        assertTrue(again.replayed());
        assertEquals(first.job().id(), again.job().id());
        assertEquals(List.of(first.job().promptId()), h.sim.submittedPrompts());
        assertEquals(1, h.store.countByUserId("u"));
    }

    @Test
    void theSameKeyWithAnotherBodyIsRefused() {
        start(Map.of());
        submit("u", ServiceHarness.quick(), "key-1");

        assertEquals(SubmissionRefusedException.Reason.KEY_REUSED, refusal("u", ServiceHarness.quick(), "key-1"));
        assertEquals(1, h.sim.submittedPrompts().size());
    }

    @Test
    void keysBelongToTheirUser() {
        start(Map.of());
        Workflow workflow = ServiceHarness.quick();
        SubmitResult mine = submit("u", workflow, "key-1");

        SubmitResult theirs = submit("v", workflow, "key-1");

        assertFalse(theirs.replayed());
        assertNotEquals(mine.job().id(), theirs.job().id());
    }

    @Test
    void aRejectedSubmissionIsReplayedAsRejected() {
        start(Map.of());
        Workflow workflow = unknownCheckpoint();
        SubmitResult first = submit("u", workflow, "key-1");

        SubmitResult again = submit("u", workflow, "key-1");

        assertEquals(SubmitResult.Outcome.REJECTED, again.outcome());
        assertTrue(again.replayed());
        assertEquals(first.job().id(), again.job().id());
    }

    @Test
    void aReplayFinishesASubmissionTheFirstRequestCouldNotAndSendsItOnce() {
        start(Map.of());
        Workflow workflow = ServiceHarness.quick();
        h.sim.faults().stopListening();
        SubmitResult first = submit("u", workflow, "key-1");
        h.sim.faults().startListening();

        SubmitResult again = submit("u", workflow, "key-1");

        assertTrue(again.replayed());
        Job job = h.stored(first.job().id());
        assertTrue(job.isSubmitted());
        assertEquals(List.of(job.promptId()), h.sim.submittedPrompts());
        submit("u", workflow, "key-1");
        assertEquals(List.of(job.promptId()), h.sim.submittedPrompts(), "a third request sends nothing more");
    }

    @Test
    void aUserAtTheCapIsRefusedUntilOneOfTheirJobsEnds() {
        start(Map.of("MAX_ACTIVE_JOBS_PER_USER", "2"));
        h.sim.faults().holdQueue(true);
        Job first = submit("u", ServiceHarness.quick(), null).job();
        submit("u", ServiceHarness.quick(), null);

        SubmissionRefusedException e = assertThrows(SubmissionRefusedException.class, () -> submit("u", ServiceHarness.quick(), null));

        assertEquals(SubmissionRefusedException.Reason.TOO_MANY_ACTIVE_JOBS, e.reason());
        assertNotNull(e.retryAfter());
        assertEquals(2, h.sim.submittedPrompts().size());
        assertEquals(SubmitResult.Outcome.ACCEPTED, submit("v", ServiceHarness.quick(), null).outcome(), "the cap is per user");
        h.cancel.cancel("u", first.id());
        assertEquals(SubmitResult.Outcome.ACCEPTED, submit("u", ServiceHarness.quick(), null).outcome());
    }

    @Test
    void identicalSubmissionsWithinTheDedupeWindowAreOneJob() {
        start(Map.of("DEDUPE_IDENTICAL_SECONDS", "60"));
        Workflow workflow = ServiceHarness.quick();
        SubmitResult first = submit("u", workflow, null);

        SubmitResult same = submit("u", workflow, null);
        SubmitResult other = submit("u", ServiceHarness.quick(), null);

        assertTrue(same.replayed());
        assertEquals(first.job().id(), same.job().id());
        assertNotEquals(first.job().id(), other.job().id());
        h.clock.advance(Duration.ofSeconds(61));
        SubmitResult later = submit("u", workflow, null);
        assertFalse(later.replayed());
        assertNotEquals(first.job().id(), later.job().id());
        assertEquals(3, h.sim.submittedPrompts().size());
    }

    @Test
    void aKeyWhoseJobIsNoLongerKeptNeverRunsItAgain() {
        start(Map.of());
        Workflow workflow = ServiceHarness.quick();
        SubmitResult first = submit("u", workflow, "key-1");
        h.store.delete(first.job().id());

        assertEquals(SubmissionRefusedException.Reason.KEY_JOB_GONE, refusal("u", workflow, "key-1"));
        assertEquals(List.of(first.job().promptId()), h.sim.submittedPrompts());
    }

    @Test
    void aKeyThatIsNotVisibleAsciiOrTooLongIsRefused() {
        start(Map.of());

        assertEquals(SubmissionRefusedException.Reason.MALFORMED, refusal("u", ServiceHarness.quick(), "two words"));
        assertEquals(SubmissionRefusedException.Reason.MALFORMED, refusal("u", ServiceHarness.quick(), ""));
        assertEquals(SubmissionRefusedException.Reason.MALFORMED, refusal("u", ServiceHarness.quick(), "k".repeat(256)));
        assertTrue(h.sim.submittedPrompts().isEmpty());
    }

    @Test
    void withRawWorkflowsForAdminsAUserIsRefusedAndAnAdminAccepted() {
        start(Map.of("RAW_WORKFLOWS", "admins"));

        SubmissionRefusedException user = assertThrows(SubmissionRefusedException.class,
                () -> h.submit.submit(Caller.user("u"), h.request(ServiceHarness.quick()), null));
        SubmitResult admin = h.submit.submit(Caller.admin("root"), h.request(ServiceHarness.quick()), null);

        assertEquals(SubmissionRefusedException.Reason.RAW_WORKFLOW_FORBIDDEN, user.reason());
        assertEquals("only admins may submit raw workflows here; run a published template instead", user.getMessage());
        assertEquals(SubmitResult.Outcome.ACCEPTED, admin.outcome());
        assertEquals(0, h.store.countByUserId("u"));
        assertEquals(List.of(admin.job().promptId()), h.sim.submittedPrompts());
    }

    @Test
    void withRawWorkflowsOffNobodySubmitsOne() {
        start(Map.of("RAW_WORKFLOWS", "off"));

        for (Caller caller : List.of(Caller.user("u"), Caller.admin("root"))) {
            SubmissionRefusedException e = assertThrows(SubmissionRefusedException.class,
                    () -> h.submit.submit(caller, h.request(ServiceHarness.quick()), "key"));
            assertEquals(SubmissionRefusedException.Reason.RAW_WORKFLOW_FORBIDDEN, e.reason(), caller.toString());
        }
        assertTrue(h.sim.submittedPrompts().isEmpty());
    }

    @Test
    void rawWorkflowsDefaultsToAdminsAndRefusesOtherValuesAtStart() {
        assertEquals(RawWorkflows.ADMINS, RawWorkflows.fromEnv(new Env(Map.of())));
        assertEquals(RawWorkflows.ALL, RawWorkflows.fromEnv(new Env(Map.of("RAW_WORKFLOWS", "ALL"))));
        ConfigException e = assertThrows(ConfigException.class, () -> RawWorkflows.fromEnv(new Env(Map.of("RAW_WORKFLOWS", "users"))));
        assertEquals("RAW_WORKFLOWS must be admins, all or off, was 'users'", e.getMessage());
    }
}
