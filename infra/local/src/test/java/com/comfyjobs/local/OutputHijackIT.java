package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.simulator.engine.PromptFate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hijack, end to end over HTTP: someone who can reach ComfyUI reads a waiting job's prompt id
 * from /queue and POSTs a graph of their own under it with {@code front: true}; ComfyUI checks prompt
 * ids for nothing, runs theirs first, and its success webhook reaches the service. The job must end
 * {@code failed} with {@code outputs_not_from_this_job}, never {@code succeeded}, and no file of theirs
 * may reach S3, whether their graph saves anywhere or into the job's own (guessable) folder.
 */
class OutputHijackIT {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static LocalStack stack;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        LocalStack.Options o = TestStacks.options("output-hijack-it");
        o.simulatorStepMillis = 10;
        stack = LocalStack.start(o);
        api = new Api(stack.apiUrl());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static JsonNode comfy(HttpRequest.Builder r) throws IOException, InterruptedException {
        HttpResponse<String> resp = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, resp.statusCode(), resp.body());
        return JSON.readTree(resp.body());
    }

    /** What anyone who can reach ComfyUI sees: the prompt ids waiting in its queue. */
    private static String pendingPromptId() throws Exception {
        JsonNode pending = comfy(HttpRequest.newBuilder(stack.simulator().baseUri().resolve("/queue")).GET()).get("queue_pending");
        assertEquals(1, pending.size(), pending.toString());
        return pending.get(0).get(1).asText();
    }

    private static void queueTheirs(String promptId, String prefix) throws Exception {
        ObjectNode graph = Api.workflow(31337);
        ((ObjectNode) graph.get("3").get("inputs")).put("steps", 1);
        ((ObjectNode) graph.get("9").get("inputs")).put("filename_prefix", prefix);
        ObjectNode body = JSON.createObjectNode().put("prompt_id", promptId).put("front", true).put("client_id", "not-comfyjobs");
        body.set("prompt", graph);
        comfy(HttpRequest.newBuilder(stack.simulator().baseUri().resolve("/prompt")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    /** A job whose own run would take minutes, waiting in ComfyUI's queue behind a hold. */
    private static String waitingJob(String user) {
        ObjectNode workflow = Api.workflow(user.hashCode());
        ((ObjectNode) workflow.get("3").get("inputs")).put("steps", 10_000);
        Api.Response r = api.submit(user, JSON.createObjectNode().set("workflow", workflow).toString(), null);
        assertEquals(202, r.status(), r.body().toString());
        return r.body().get("jobId").asText();
    }

    private static void assertRefused(String user, String job) {
        JsonNode end = api.await(user, job, Api.terminal(), LIMIT, null);
        assertEquals("failed", end.get("status").asText(), end.toString());
        assertEquals("outputs_not_from_this_job", end.get("error").get("type").asText(), end.toString());
        assertEquals(0, end.get("artifacts").size());
        assertEquals(List.of(), TestStacks.keysUnder(stack, "artifacts/" + user + "/"), "no file of theirs in S3");
    }

    /** The job's own prompt, queued under the same id after theirs, is stopped: it never completes. */
    private static void assertOwnRunStopped(String promptId) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (stack.simulator().fates(promptId).size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(List.of(PromptFate.COMPLETED), stack.simulator().fates(promptId).subList(0, 1), "theirs ran to its end");
        assertTrue(List.of(PromptFate.INTERRUPTED, PromptFate.REMOVED).contains(stack.simulator().fates(promptId).get(1)),
                stack.simulator().fates(promptId).toString());
    }

    private void hijack(String user, String prefixOf) throws Exception {
        stack.simulator().faults().holdQueue(true);
        String job;
        try {
            job = waitingJob(user);
            String promptId = pendingPromptId();
            assertEquals(job + "_1", promptId);
            queueTheirs(promptId, prefixOf.replace("{job}", job));
        } finally {
            stack.simulator().faults().holdQueue(false);
        }
        assertRefused(user, job);
        assertOwnRunStopped(job + "_1");
    }

    @Test
    void aGraphQueuedAheadUnderTheJobsPromptIdFailsTheJobAndDeliversNothing() throws Exception {
        hijack("victim-1", "stolen/ComfyUI");
    }

    @Test
    void aGraphSavingIntoTheJobsOwnFolderIsRefusedByItsHash() throws Exception {
        hijack("victim-2", "comfyjobs/{job}-1/ComfyUI");
    }

    @Test
    void aJobNobodyInterferedWithStillSucceeds() {
        Api.Response r = api.submit("untouched", Api.submitBody(7), null);
        JsonNode done = api.await("untouched", r.body().get("jobId").asText(), Api.terminal(), LIMIT, null);
        assertEquals("succeeded", done.get("status").asText(), done.toString());
        assertEquals(1, done.get("artifacts").size());
        assertTrue(done.get("artifacts").get(0).get("key").asText().startsWith("artifacts/untouched/"));
    }
}
