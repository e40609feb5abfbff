package com.comfyjobs.callbacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.CallbackDelivery;
import com.comfyjobs.job.Caller;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobError;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.Transition;
import com.comfyjobs.query.JobJson;
import com.comfyjobs.simulator.engine.PromptFate;
import com.comfyjobs.submit.SubmissionRefusedException;
import com.comfyjobs.testing.CallbackReceiver;
import com.comfyjobs.testing.ServiceHarness;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Callbacks end to end in one JVM: jobs submitted with a webhook, ComfyUI's events delivered as signed
 * webhooks, the first try made by the webhook's own service, retries by the schedule
 * ({@link CallbackDrainer#drainDue()}, run after the test moves the clock), all to a real HTTP
 * receiver that checks every delivery's signature with the standardwebhooks library and the caller's
 * own secret.
 */
class CallbacksTest {
    private ServiceHarness h;
    private CallbackReceiver receiver;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    /** ComfyUI holds every prompt pending: each event is hand-made. */
    private void start(Map<String, String> env) {
        h = ServiceHarness.start(env);
        h.sim.faults().holdQueue(true);
        receiver = CallbackReceiver.start();
    }

    private Job submit(String user, String events) {
        String webhook = "{\"url\": \"" + receiver.url() + "\"" + (events == null ? "" : ", \"events\": " + events) + "}";
        String body = "{\"workflow\": " + ServiceHarness.quick().json() + ", \"webhook\": " + webhook + "}";
        return h.stored(h.submit.submit(Caller.user(user), h.request(body), null).job().id());
    }

    private void fail(Job job) {
        h.deliver("execution_error", ServiceHarness.data(job.promptId()).put("node_id", "3").put("node_type", "KSampler")
                .put("exception_message", "out of memory").put("exception_type", "torch.OutOfMemoryError"));
    }

    private void progress(Job job, int value) {
        h.deliver("progress", ServiceHarness.data(job.promptId()).put("node", "3").put("value", value).put("max", 10));
    }

    /** The job's "callback" as GET shows it. */
    private JsonNode callback(Job job) {
        return JobJson.view(h.query.get(job.userId(), job.id())).path("callback");
    }

    private void assertCallback(Job job, String status, int attempts, String lastError) {
        JsonNode c = callback(job);
        assertEquals(status, c.path("status").asText(), c.toString());
        assertEquals(attempts, c.path("attempts").asInt(), c.toString());
        assertEquals(lastError, c.hasNonNull("lastError") ? c.get("lastError").asText() : null, c.toString());
    }

    @Test
    void theEndReachesTheReceiverSignedWithItsCallersOwnSecretAsTheJobGetShows() {
        start(Map.of());
        Job job = submit("alice", null);
        String alice = h.callbackSecrets.current("alice").secret();
        String bob = h.callbackSecrets.current("bob").secret();

        fail(job);

        List<CallbackReceiver.Delivery> got = receiver.of(job.id());
        assertEquals(1, got.size(), "the webhook's own service made the first try");
        CallbackReceiver.Delivery d = got.get(0);
        assertEquals("job.failed", d.type());
        assertEquals(CallbackDelivery.idOf(job.id(), 1), d.id());
        assertTrue(d.verifies(alice), "signed with the caller's own secret");
        assertFalse(d.verifies(bob), "another caller's secret does not verify it: no tenant can forge another's callbacks");
        assertFalse(d.verifies(ServiceHarness.WEBHOOK_SECRET), "nor does ComfyUI's webhook secret");
        assertCallback(job, "delivered", 1, null);

        ObjectNode sent = (ObjectNode) d.json().get("data").deepCopy();
        ObjectNode shown = JobJson.view(h.query.get("alice", job.id()));
        sent.remove("callback");
        shown.remove("callback");
        assertEquals(shown, sent, "the body's data is the job as GET /jobs/{id} shows it");
        assertEquals(JobJson.timestamp(h.stored(job.id()).finishedAt()), d.json().get("timestamp").asText());
        assertEquals(0, h.drainer.drainDue().total(), "nothing left for the schedule");
    }

    @Test
    void aSucceededJobsCallbackCarriesFreshDownloadUrls() throws Exception {
        h = ServiceHarness.start(Map.of());
        receiver = CallbackReceiver.start();
        Job job = submit("u", "[\"job.succeeded\"]");
        assertEquals(List.of(PromptFate.COMPLETED), h.awaitEnded(job));

        h.deliver("execution_success", ServiceHarness.data(job.promptId()));

        CallbackReceiver.Delivery d = receiver.of(job.id()).get(0);
        assertEquals("job.succeeded", d.type());
        JsonNode artifact = d.json().get("data").get("artifacts").get(0);
        HttpResponse<byte[]> download = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(artifact.get("url").asText())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, download.statusCode());
        assertEquals(artifact.get("size").asLong(), download.body().length);
    }

    @Test
    void theReceiverDownThroughSeveralRetriesLosesNothingAndEachTryWaitsForItsTime() {
        start(Map.of("CALLBACK_RETRY_SCHEDULE", "5s,1m,5m"));
        receiver.down();
        Job job = submit("u", null);

        fail(job);
        assertCallback(job, "pending", 1, "the URL's server could not be reached");
        assertEquals(0, h.drainer.drainDue().total(), "a retry waits for its time");
        h.clock.advance(Duration.ofSeconds(5));
        assertEquals(1, h.drainer.drainDue().count(SendOutcome.RETRIED));
        h.clock.advance(Duration.ofSeconds(59));
        assertEquals(0, h.drainer.drainDue().total());
        h.clock.advance(Duration.ofSeconds(1));
        assertEquals(1, h.drainer.drainDue().count(SendOutcome.RETRIED));
        assertCallback(job, "pending", 3, "the URL's server could not be reached");

        receiver.up();
        h.clock.advance(Duration.ofMinutes(5));
        assertEquals(1, h.drainer.drainDue().count(SendOutcome.DELIVERED));
        assertCallback(job, "delivered", 4, null);
        List<CallbackReceiver.Delivery> got = receiver.of(job.id());
        assertEquals(1, got.size());
        assertEquals(CallbackDelivery.idOf(job.id(), 1), got.get(0).id(), "a retry is the same delivery");
        assertTrue(got.get(0).signedWith(h.callbackSecrets.current("u").secret()));
    }

    @Test
    void afterItsLastTryACallbackHasFailedSaysWhyAndIsCounted() {
        start(Map.of("CALLBACK_RETRY_SCHEDULE", "1s,1s"));
        receiver.answer(d -> 500);
        Job job = submit("u", null);
        fail(job);
        h.clock.advance(Duration.ofSeconds(1));
        h.drainer.drainDue();
        h.clock.advance(Duration.ofSeconds(1));
        assertEquals(1, h.drainer.drainDue().count(SendOutcome.FAILED));

        assertCallback(job, "failed", 3, "HTTP 500");
        assertEquals(List.of("retried", "retried", "failed"), h.observed.callbacks(), "metrics CallbackRetried, CallbackFailed");
        assertEquals(3, receiver.of(job.id()).size());
        assertEquals(1, receiver.of(job.id()).stream().map(CallbackReceiver.Delivery::id).distinct().count(), "one delivery, tried three times");
        h.clock.advance(Duration.ofHours(1));
        assertEquals(0, h.drainer.drainDue().total());
    }

    @Test
    void a410StopsEveryLaterCallbackOfTheJob() {
        start(Map.of());
        receiver.answer(d -> 410);
        Job job = submit("u", "[\"job.progress\", \"job.failed\"]");
        progress(job, 1);
        assertCallback(job, "stopped", 1, "HTTP 410");

        h.clock.advance(Duration.ofSeconds(2));
        progress(job, 5);
        fail(job);
        h.clock.advance(Duration.ofMinutes(10));
        assertEquals(0, h.drainer.drainDue().total());
        assertEquals(1, receiver.of(job.id()).size());
        assertCallback(job, "stopped", 1, "HTTP 410");
        assertEquals(JobStatus.FAILED, h.stored(job.id()).status());
    }

    @Test
    void progressGoesOutAtMostOnceASecondTheNewestFirstAndNeverAfterTheEnd() {
        start(Map.of());
        Job job = submit("u", "[\"job.progress\", \"job.failed\"]");
        for (int v = 1; v <= 6; v++) {
            progress(job, v);
        }
        assertEquals(1, receiver.of(job.id()).size(), "the first progress went at once; the rest wait for a second to pass");
        assertEquals(0, h.drainer.drainDue().total());
        h.clock.advance(Duration.ofSeconds(1));
        assertEquals(1, h.drainer.drainDue().count(SendOutcome.DELIVERED), "the newest progress replaced the ones before it");
        progress(job, 9);
        fail(job);
        h.clock.advance(Duration.ofSeconds(5));
        assertEquals(0, h.drainer.drainDue().total());

        List<CallbackReceiver.Delivery> got = receiver.of(job.id());
        assertEquals(List.of("job.progress", "job.progress", "job.failed"), got.stream().map(CallbackReceiver.Delivery::type).toList(),
                "the progress waiting when the job failed was dropped");
        double first = got.get(0).json().get("data").get("progress").asDouble();
        double second = got.get(1).json().get("data").get("progress").asDouble();
        assertTrue(second > first, first + " then " + second);
        assertEquals(6, got.get(1).json().get("data").get("step").get("value").asInt(), "the newest progress, 6 of 10");
    }

    @Test
    void aTransitionWhoseFunctionDiedBeforeTheFirstTryIsDeliveredByTheSchedule() {
        start(Map.of());
        Job job = submit("u", null);
        // the webhook function applied the change and its container died before trying the callback
        h.store.transition(Transition.of(job.id(), h.clock.instant()).status(JobStatus.FAILED).error(JobError.of("lost", "lost")).build());
        assertEquals(List.of(), receiver.of(job.id()));

        assertEquals(1, h.drainer.drainDue().count(SendOutcome.DELIVERED));
        assertEquals("job.failed", receiver.of(job.id()).get(0).type());
    }

    @Test
    void aSenderThatDiedHoldingTheDeliveryIsReplacedWhenItsClaimEndsAndSendsTheSameId() {
        start(Map.of());
        Job job = submit("u", null);
        Instant now = h.clock.instant();
        h.store.transition(Transition.of(job.id(), now).status(JobStatus.EXPIRED).build());
        assertEquals(1, h.store.claimDueCallbacks(h.store.shardOf(job.id()), now, 10, "dead-sender", now.plus(CallbackSender.CLAIM)).size());
        assertEquals(0, h.drainer.drainDue().total(), "claimed: nobody else sends it");

        h.clock.advance(CallbackSender.CLAIM);
        assertEquals(1, h.drainer.drainDue().count(SendOutcome.DELIVERED));
        assertEquals(CallbackDelivery.idOf(job.id(), 1), receiver.of(job.id()).get(0).id());
    }

    @Test
    void aReceiverTooSlowForTheFirstTrysBudgetIsTriedAgainWithTheSameId() {
        start(Map.of());
        receiver.delay(CallbackSender.TIMEOUT.toMillis() + 1000);
        Job job = submit("u", null);
        fail(job);
        assertCallback(job, "pending", 1, "the URL's server did not answer in time");

        receiver.delay(0);
        h.clock.advance(Duration.ofSeconds(5));
        assertEquals(1, h.drainer.drainDue().count(SendOutcome.DELIVERED));
        List<CallbackReceiver.Delivery> got = receiver.of(job.id());
        assertEquals(2, got.size(), "at least once: the slow one may have arrived too");
        assertEquals(got.get(0).id(), got.get(1).id(), "a duplicate carries the same webhook-id");
    }

    @Test
    void aRotationSignsWithBothSecretsForADayThenWithTheNewOneOnly() {
        start(Map.of());
        String before = h.callbackSecrets.current("u").secret();
        WebhookSecret rotated = h.callbackSecrets.rotate("u");
        assertNotEquals(before, rotated.secret());
        assertNotNull(rotated.previousValidUntil());
        assertEquals(rotated.secret(), h.callbackSecrets.current("u").secret());

        Job first = submit("u", null);
        fail(first);
        CallbackReceiver.Delivery during = receiver.of(first.id()).get(0);
        assertEquals(2, during.signatures());
        assertTrue(during.signedWith(before) && during.signedWith(rotated.secret()));

        h.clock.advance(WebhookSecretService.OVERLAP.plusSeconds(1));
        assertNull(h.callbackSecrets.current("u").previousValidUntil());
        Job second = submit("u", null);
        fail(second);
        CallbackReceiver.Delivery after = receiver.of(second.id()).get(0);
        assertEquals(1, after.signatures());
        assertTrue(after.signedWith(rotated.secret()));
        assertFalse(after.signedWith(before));
    }

    @Test
    void theWebhookCountsForTheIdempotencyKeyInAnyOrderOfItsEvents() {
        start(Map.of());
        String wf = ServiceHarness.quick().json();
        String a = "{\"workflow\": " + wf + ", \"webhook\": {\"url\": \"" + receiver.url() + "\", \"events\": [\"job.failed\", \"job.progress\"]}}";
        String sameInAnotherOrder = "{\"webhook\": {\"events\": [\"job.progress\", \"job.failed\"], \"url\": \"" + receiver.url()
                + "\"}, \"workflow\": " + wf + "}";
        String other = "{\"workflow\": " + wf + ", \"webhook\": {\"url\": \"" + receiver.url() + "x\"}}";
        String job = h.submit.submit(Caller.user("u"), h.request(a), "key-1").job().id();
        assertEquals(job, h.submit.submit(Caller.user("u"), h.request(sameInAnotherOrder), "key-1").job().id());
        SubmissionRefusedException e = assertThrows(SubmissionRefusedException.class,
                () -> h.submit.submit(Caller.user("u"), h.request(other), "key-1"));
        assertEquals(SubmissionRefusedException.Reason.KEY_REUSED, e.reason());
    }
}
