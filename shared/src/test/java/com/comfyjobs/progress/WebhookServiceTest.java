package com.comfyjobs.progress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobOutput;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.Step;
import com.comfyjobs.job.Transition;
import com.comfyjobs.simulator.WebhookOptions;
import com.comfyjobs.simulator.engine.PromptFate;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ServiceHarness;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each ComfyUI event, delivered as a signed Standard Webhooks request, and the change it makes to its
 * job; on the in-memory store, with the simulator where ComfyUI is asked something (outputs to copy,
 * prompts to stop).
 */
class WebhookServiceTest {
    private ServiceHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    /** A job ComfyUI has accepted and holds pending: every event here is hand-made. */
    private Job pending(Map<String, String> env) {
        h = ServiceHarness.start(env);
        h.sim.faults().holdQueue(true);
        return h.submit("u", ServiceHarness.quick());
    }

    private Job pending() {
        return pending(Map.of());
    }

    private static ObjectNode data(Job job) {
        return ServiceHarness.data(job.promptId());
    }

    private Job stored(Job job) {
        return h.stored(job.id());
    }

    private void applied(WebhookResult r) {
        assertEquals(new WebhookResult(1, 0, 0), r);
    }

    private void ignored(WebhookResult r) {
        assertEquals(new WebhookResult(0, 0, 1), r);
    }

    @Test
    void executionStartMarksTheJobRunningAndProvesComfyUiHasIt() {
        h = ServiceHarness.start();
        Instant now = h.clock.instant().truncatedTo(ChronoUnit.MILLIS);
        // the dispatcher's answer from ComfyUI is still on its way: unconfirmed, under its lease
        Job job = JobFixtures.queued("u", now).toBuilder().comfyServer(h.sim.baseUrl())
                .leaseOwner("dispatcher").leaseUntil(now.plusSeconds(30)).build();
        h.store.create(JobFixtures.newJob(job));

        applied(h.deliver("execution_start", data(job).put("timestamp", now.toEpochMilli())));

        Job running = stored(job);
        assertEquals(JobStatus.RUNNING, running.status());
        assertNotNull(running.startedAt());
        assertTrue(running.isSubmitted());
        assertNull(running.leaseOwner(), "a started job is nobody's to dispatch");
    }

    @Test
    void executionCachedMarksTheJobRunningWithThoseNodesSkipped() {
        Job job = pending();
        ObjectNode d = data(job);
        d.putArray("nodes").add("4").add("5").add("6").add("7");

        applied(h.deliver("execution_cached", d));

        Job running = stored(job);
        assertEquals(JobStatus.RUNNING, running.status());
        assertEquals(List.of("4", "5", "6", "7"), running.cachedNodes());
    }

    @Test
    void executingANodeMakesItCurrentAndTheOneBeforeItDone() {
        Job job = pending();
        applied(h.deliver("executing", data(job).put("node", "3").put("display_node", "3")));
        Job first = stored(job);
        assertEquals(JobStatus.RUNNING, first.status());
        assertEquals("3", first.currentNode());

        applied(h.deliver("executing", data(job).put("node", "8").put("display_node", "8")));

        Job second = stored(job);
        assertEquals("8", second.currentNode());
        assertEquals(List.of("3"), second.finishedNodes());
        assertEquals(1.0 / 7, second.progress(), 1e-6);
    }

    @Test
    void executingNullEndsTheGraphWithoutChangingTheStatus() {
        Job job = pending();
        applied(h.deliver("executing", data(job).putNull("node")));
        assertEquals(JobStatus.QUEUED, stored(job).status(), "the end of a graph says nothing about how it ended");

        applied(h.deliver("executing", data(job).put("node", "9")));
        applied(h.deliver("executing", data(job).putNull("node")));

        Job ended = stored(job);
        assertEquals(JobStatus.RUNNING, ended.status());
        assertNull(ended.currentNode());
        assertEquals(List.of("9"), ended.finishedNodes());
    }

    @Test
    void progressRecordsTheSamplersStep() {
        Job job = pending();

        applied(h.deliver("progress", data(job).put("node", "3").put("value", 5).put("max", 20)));

        Job running = stored(job);
        assertEquals(JobStatus.RUNNING, running.status());
        assertEquals("3", running.currentNode());
        assertEquals(new Step(5, 20), running.step());
        assertEquals(5.0 / 20 / 7, running.progress(), 1e-6);
    }

    @Test
    void progressStateRecordsFinishedNodesAndTheRunningOnesStep() {
        Job job = pending();
        ObjectNode d = data(job);
        ObjectNode nodes = d.putObject("nodes");
        nodes.putObject("4").put("state", "finished").put("value", 1).put("max", 1).put("node_id", "4");
        nodes.putObject("3").put("state", "running").put("value", 7).put("max", 20).put("node_id", "3");
        nodes.putObject("8").put("state", "pending").put("value", 0).put("max", 1).put("node_id", "8");

        applied(h.deliver("progress_state", d));

        Job running = stored(job);
        assertEquals(JobStatus.RUNNING, running.status());
        assertEquals(List.of("4"), running.finishedNodes());
        assertEquals("3", running.currentNode());
        assertEquals(new Step(7, 20), running.step());
        assertEquals((1 + 7.0 / 20) / 7, running.progress(), 1e-6);
    }

    @Test
    void executedRecordsTheNodesOutputs() {
        Job job = pending();
        ObjectNode d = data(job).put("node", "9").put("display_node", "9");
        d.putObject("output").putArray("images").addObject().put("filename", "ComfyUI_00001_.png").put("subfolder", "").put("type", "output");

        applied(h.deliver("executed", d));

        Job running = stored(job);
        assertEquals(JobStatus.RUNNING, running.status());
        assertEquals(List.of(new JobOutput("9", "ComfyUI_00001_.png", "", "output")), running.outputs());
        assertEquals(List.of("9"), running.finishedNodes());
    }

    @Test
    void executionSuccessMovesTheJobToFinalizingAndItsOutputsAreCopied() throws Exception {
        h = ServiceHarness.start();
        Job job = h.submit("u", ServiceHarness.quick());
        assertEquals(List.of(PromptFate.COMPLETED), h.awaitEnded(job));

        applied(h.deliver("execution_success", data(job).put("timestamp", System.currentTimeMillis())));

        Job done = stored(job);
        assertEquals(JobStatus.SUCCEEDED, done.status());
        assertEquals(1.0, done.progress());
        JobArtifact a = done.artifacts().get(0);
        assertArrayEquals(Files.readAllBytes(h.comfyFileOf(done, a)), h.s3Object(a.key()));
    }

    @Test
    void executionSuccessLeavesTheJobFinalizingWhenTheCopyIsCutShort() {
        h = ServiceHarness.start();
        Job job = h.submit("u", ServiceHarness.quick());
        h.awaitEnded(job);
        h.sim.faults().view404(true);

        applied(h.deliver("execution_success", data(job)));

        Job finalizing = stored(job);
        assertEquals(JobStatus.FINALIZING, finalizing.status());
        assertNull(finalizing.leaseOwner(), "the next finalizer may take it at once");
    }

    @Test
    void executionErrorFailsTheJobWithComfyUisReason() {
        Job job = pending();
        ObjectNode d = data(job).put("node_id", "3").put("node_type", "KSampler")
                .put("exception_message", "CUDA out of memory. Tried to allocate 2.00 GiB").put("exception_type", "torch.OutOfMemoryError");
        d.putArray("traceback").add("  File \"/ComfyUI/execution.py\", line 496");
        d.putArray("executed").add("4");

        applied(h.deliver("execution_error", d));

        Job failed = stored(job);
        assertEquals(JobStatus.FAILED, failed.status());
        assertEquals("execution_error", failed.error().type());
        assertEquals("CUDA out of memory. Tried to allocate 2.00 GiB", failed.error().message());
        assertEquals("3", failed.error().nodeId());
        assertEquals("KSampler", failed.error().nodeType());
        assertTrue(failed.error().detailsJson().contains("torch.OutOfMemoryError"), failed.error().detailsJson());
    }

    @Test
    void executionInterruptedUnaskedFailsTheJob() {
        Job job = pending();

        applied(h.deliver("execution_interrupted", data(job).put("node_id", "3").put("node_type", "KSampler")));

        Job failed = stored(job);
        assertEquals(JobStatus.FAILED, failed.status());
        assertEquals("interrupted", failed.error().type());
        assertEquals("3", failed.error().nodeId());
    }

    @Test
    void executionInterruptedAfterACancelRequestCancelsTheJob() {
        Job job = pending();
        h.store.transition(Transition.of(job.id(), h.clock.instant()).requestCancel().build());

        applied(h.deliver("execution_interrupted", data(job).put("node_id", "3").put("node_type", "KSampler")));

        Job canceled = stored(job);
        assertEquals(JobStatus.CANCELED, canceled.status());
        assertNull(canceled.error());
    }

    @Test
    void aDeliveryIsAppliedOnceHoweverOftenItArrives() {
        Job job = pending();
        String body = ServiceHarness.envelope("progress", data(job).put("node", "3").put("value", 5).put("max", 20));
        applied(h.deliver("msg_1", body));
        Job once = stored(job);

        assertEquals(new WebhookResult(0, 1, 0), h.deliver("msg_1", body));

        assertEquals(once, stored(job));
    }

    @Test
    void theEventsOfABatchAreAppliedInOrderAndEachOnce() {
        Job job = pending();
        String start = ServiceHarness.envelope("execution_start", data(job));
        String step = ServiceHarness.envelope("progress", data(job).put("node", "3").put("value", 2).put("max", 20));

        assertEquals(new WebhookResult(2, 0, 0), h.deliver("msg_batch", start, step));
        assertEquals(new WebhookResult(0, 2, 0), h.deliver("msg_batch", start, step));

        Job running = stored(job);
        assertEquals(JobStatus.RUNNING, running.status());
        assertEquals(new Step(2, 20), running.step());
    }

    @Test
    void eventsAboutOtherClientsPromptsAndOtherMessagesChangeNothing() {
        Job job = pending();
        ignored(h.deliver("execution_start", ServiceHarness.data("d6b9a5c0-another-clients-prompt")));
        // one of ours in form, about no job here
        ignored(h.deliver("execution_start", ServiceHarness.data(UUID.randomUUID() + "_1")));
        ObjectNode status = JsonNodeFactory.instance.objectNode();
        status.putObject("status").putObject("exec_info").put("queue_remaining", 3);
        ignored(h.deliver("status", status));
        ignored(h.deliver("crystools.monitor", data(job)));

        assertEquals(job, stored(job));
    }

    @Test
    void anEventOfASupersededAttemptIsIgnoredAndItsStillRunningPromptInterrupted() {
        h = ServiceHarness.start();
        Job first = h.submit("u", ServiceHarness.slow());
        h.awaitRunning(first);
        // recovery moved the job on to its next attempt, believing this prompt lost
        h.store.transition(Transition.of(first.id(), h.clock.instant()).requeue(2, h.sim.baseUrl(), first.id() + "_2").build());

        ignored(h.deliver("progress", data(first).put("node", "3").put("value", 9).put("max", 10_000)));

        Job second = stored(first);
        assertEquals(2, second.attempt());
        assertEquals(0.0, second.progress());
        assertEquals(List.of(PromptFate.INTERRUPTED), h.awaitEnded(first), "nobody collects its work");
    }

    @Test
    void anEventThatAnEndedJobsPromptStillRunsInterruptsIt() {
        h = ServiceHarness.start();
        Job job = h.submit("u", ServiceHarness.slow());
        h.awaitRunning(job);
        h.store.transition(Transition.of(job.id(), h.clock.instant()).status(JobStatus.EXPIRED).build());

        ignored(h.deliver("executing", data(job).put("node", "3")));

        assertEquals(JobStatus.EXPIRED, stored(job).status());
        assertEquals(List.of(PromptFate.INTERRUPTED), h.awaitEnded(job));
    }

    @Test
    void lateEventsOfASucceededJobChangeNothing() {
        h = ServiceHarness.start();
        Job job = h.submit("u", ServiceHarness.quick());
        h.awaitEnded(job);
        applied(h.deliver("execution_success", data(job)));
        Job done = stored(job);
        assertEquals(JobStatus.SUCCEEDED, done.status());

        ignored(h.deliver("progress", data(job).put("node", "3").put("value", 1).put("max", 1)));
        ignored(h.deliver("execution_error", data(job).put("node_id", "3").put("node_type", "KSampler")));

        assertEquals(done, stored(job));
    }

    @Test
    void executionSuccessOfASupersededAttemptCopiesNothing() {
        h = ServiceHarness.start();
        Job first = h.submit("u", ServiceHarness.quick());
        h.awaitEnded(first);
        h.store.transition(Transition.of(first.id(), h.clock.instant()).requeue(2, h.sim.baseUrl(), first.id() + "_2").build());

        ignored(h.deliver("execution_success", data(first)));

        Job second = stored(first);
        assertEquals(JobStatus.QUEUED, second.status());
        assertEquals(2, second.attempt());
        assertTrue(h.s3Keys().isEmpty());
    }

    @Test
    void moreOutputsThanAllowedFailTheJobAndStopItsPrompt() {
        h = ServiceHarness.start(Map.of("MAX_OUTPUTS_PER_JOB", "1"));
        Job job = h.submit("u", ServiceHarness.slow());
        h.awaitRunning(job);
        ObjectNode d = data(job).put("node", "9");
        var images = d.putObject("output").putArray("images");
        images.addObject().put("filename", "a_00001_.png").put("subfolder", "").put("type", "output");
        images.addObject().put("filename", "a_00002_.png").put("subfolder", "").put("type", "output");

        applied(h.deliver("executed", d));

        Job failed = stored(job);
        assertEquals(JobStatus.FAILED, failed.status());
        assertEquals("too_many_outputs", failed.error().type());
        assertTrue(failed.outputs().isEmpty());
        assertEquals(List.of(PromptFate.INTERRUPTED), h.awaitEnded(job));
    }

    @Test
    void anUnsignedOrOversizedDeliveryIsRefusedAndChangesNothing() {
        Job job = pending();
        String body = ServiceHarness.envelope("execution_start", data(job));
        Map<String, String> forged = new HashMap<>(ServiceHarness.signed("msg_1", body));
        forged.put("webhook-id", "msg_2");

        assertThrows(WebhookRejectedException.class, () -> h.webhooks.handle(body.getBytes(StandardCharsets.UTF_8), forged));
        assertThrows(WebhookTooLargeException.class, () -> h.webhooks.handle(new byte[WebhookService.MAX_BODY_BYTES + 1], forged));
        assertEquals(job, stored(job));
    }

    @Test
    void theSimulatorsOwnDeliveriesTakeAJobToSucceeded() throws Exception {
        h = ServiceHarness.start();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/webhooks/comfyui", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, String> headers = new HashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, v.get(0)));
            int status;
            try {
                h.webhooks.handle(body, headers);
                status = 204;
            } catch (WebhookRejectedException | MalformedWebhookException e) {
                status = 400;
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        try {
            h.sim.webhook(WebhookOptions.builder().secret(ServiceHarness.WEBHOOK_SECRET)
                    .url(URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/webhooks/comfyui")).build());
            Job job = h.submit("u", ServiceHarness.quick());

            ServiceHarness.await("the job to succeed", () -> stored(job).isTerminal());

            Job done = stored(job);
            assertEquals(JobStatus.SUCCEEDED, done.status());
            assertEquals(1, done.artifacts().size());
            assertEquals(0, h.sim.webhookStats().failed(), h.sim.webhookStats().toString());
        } finally {
            receiver.stop(0);
        }
    }
}
