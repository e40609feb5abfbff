package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.job.GraphUpdate;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.simulator.engine.PromptFate;
import com.comfyjobs.submit.DispatchResult;
import com.comfyjobs.submit.Dispatcher;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The edges of dispatch, through the local stack (real redis-server, S3Proxy, the simulator): an
 * answer from ComfyUI that is lost after it queued the prompt, a Redis that stops answering between
 * two writes, a key that outlives its job, a requeue racing the news of a live attempt, rejected
 * submissions as large as the API allows. Each case is one promise: no GPU work nobody asked for, no
 * error answer for an accepted job, one key one run, no memory a caller can fill.
 */
class DispatchEdgesIT {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private LocalStack stack;
    private Api api;

    private void start(Consumer<LocalStack.Options> adjust) throws Exception {
        LocalStack.Options o = TestStacks.options("dispatch-edges-it");
        o.simulatorStepMillis = 20;
        o.env.put("STALE_AFTER_SECONDS", "1");
        adjust.accept(o);
        stack = LocalStack.start(o);
        api = new Api(stack.apiUrl());
    }

    @AfterEach
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    /**
     * With {@code slowResponses} on, ComfyUI answers POST /prompt only after the caller gave up: it
     * queued the prompt, the answer is lost. The pool's load probe waits long enough to pick it anyway.
     */
    private static Consumer<LocalStack.Options> lostSubmitAnswers() {
        return o -> {
            o.env.put("COMFYUI_REQUEST_TIMEOUT_MS", "400");
            o.env.put("COMFYUI_HEALTH_TIMEOUT_MS", "5000");
            o.env.put("DISPATCH_LEASE_SECONDS", "6");
        };
    }

    /**
     * Dispatch asks the server's /object_info before POST /prompt and keeps it 5 minutes; asked now, the
     * slow answers a test turns on next meet POST /prompt first, as in a container that has run a while.
     */
    private void objectInfoKnown() {
        ComfyUiPool pool = stack.context().getBean(ComfyUiPool.class);
        assertTrue(pool.objectInfo(pool.client(stack.simulator().baseUrl())).isOk());
    }

    private String submit(String user) {
        Api.Response r = api.submit(user, Api.submitBody(user.hashCode()), null);
        assertEquals(202, r.status(), r.body().toString());
        return r.body().get("jobId").asText();
    }

    private Job stored(String job) {
        return stack.context().getBean(JobStore.class).findById(job).orElseThrow();
    }

    private JsonNode recoverUntil(String user, String job, String status) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        JsonNode j = api.get(user, job).body();
        while (!status.equals(j.path("status").asText()) && System.nanoTime() < deadline) {
            stack.runRecovery();
            Thread.sleep(250);
            j = api.get(user, job).body();
        }
        assertEquals(status, j.path("status").asText(), j.toString());
        return j;
    }

    @Test
    void aCanceledJobWhosePendingPromptsAnswerWasLostIsTakenOutOfComfyUisQueue() throws Exception {
        start(lostSubmitAnswers());
        objectInfoKnown();
        stack.simulator().faults().holdQueue(true);
        stack.simulator().faults().slowResponses(Duration.ofMillis(1500));
        String job = submit("u1");
        Thread.sleep(1600);
        stack.simulator().faults().slowResponses(Duration.ZERO);
        assertEquals(List.of(job + "_1"), stack.simulator().submittedPrompts(), "ComfyUI queued it; its answer was lost");

        assertEquals(202, api.cancel("u1", job).status());
        recoverUntil("u1", job, "canceled");
        stack.simulator().faults().holdQueue(false);
        assertTrue(stack.simulator().awaitIdle(LIMIT));
        assertEquals(List.of(PromptFate.REMOVED), stack.simulator().fates(job + "_1"));
        assertEquals(0, stack.simulator().executionCount(job + "_1"), "no GPU work for a canceled job");
    }

    @Test
    void aCanceledJobWhoseRunningPromptsAnswerWasLostIsInterrupted() throws Exception {
        start(o -> {
            lostSubmitAnswers().accept(o);
            o.simulatorStepMillis = 300;
            // nothing but ComfyUI's own queue can tell that it has the prompt
            o.webhook = b -> b.dropPercent(100);
        });
        objectInfoKnown();
        stack.simulator().faults().slowResponses(Duration.ofMillis(1000));
        String job = submit("u2");
        Thread.sleep(1100);
        stack.simulator().faults().slowResponses(Duration.ZERO);
        assertEquals(1, stack.simulator().executionCount(job + "_1"), "it runs; the answer that said so was lost");

        assertEquals(202, api.cancel("u2", job).status());
        recoverUntil("u2", job, "canceled");
        assertTrue(stack.simulator().awaitIdle(LIMIT));
        assertEquals(List.of(PromptFate.INTERRUPTED), stack.simulator().fates(job + "_1"));
    }

    @Test
    void anExpiredJobWhoseSubmitAnswerWasLostIsInterrupted() throws Exception {
        start(o -> {
            lostSubmitAnswers().accept(o);
            o.simulatorStepMillis = 300;
            o.env.put("MAX_RUNTIME_IMAGE_GENERATION", "PT2S");
            // the start arrives, then the job goes quiet (its progress events are lost) and overruns
            o.webhook = b -> b.neverSend("execution_cached", "executing", "progress", "progress_state", "executed", "status");
        });
        objectInfoKnown();
        stack.simulator().faults().slowResponses(Duration.ofMillis(1000));
        String job = submit("u3");
        Thread.sleep(1100);
        stack.simulator().faults().slowResponses(Duration.ZERO);
        api.await("u3", job, Api.status("running"), LIMIT, null);
        Thread.sleep(2200);
        JsonNode expired = recoverUntil("u3", job, "expired");
        assertEquals("expired", expired.get("error").get("type").asText());
        assertTrue(stack.simulator().awaitIdle(LIMIT));
        assertEquals(List.of(PromptFate.INTERRUPTED), stack.simulator().fates(job + "_1"), "the overrun was stopped, not run to its end");
    }

    @Test
    void aRedisFailureAfterComfyUiAcceptedThePromptStillAnswers202() throws Exception {
        start(o -> {
            o.env.put("REDIS_COMMAND_TIMEOUT_MS", "400");
            o.env.put("COMFYUI_HEALTH_TIMEOUT_MS", "5000");
            o.simulatorStepMillis = 5;
        });
        // ComfyUI answers 800 ms after it queued the prompt; meanwhile Redis stops answering for 2 s
        stack.simulator().faults().slowResponses(Duration.ofMillis(800));
        RedisClient raw = RedisClient.create(stack.redis().uri().toString());
        try (StatefulRedisConnection<String, String> admin = raw.connect()) {
            CompletableFuture<Void> pauser = CompletableFuture.runAsync(() -> {
                long deadline = System.nanoTime() + LIMIT.toNanos();
                while (stack.simulator().submittedPrompts().isEmpty() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                admin.sync().clientPause(2000);
            });
            Api.Response r = api.submit("u4", Api.submitBody(4), null);
            pauser.get();
            assertEquals(202, r.status(), "the job is stored: " + r.body());
            String job = r.body().get("jobId").asText();
            stack.simulator().faults().slowResponses(Duration.ZERO);
            Thread.sleep(2100);
            JsonNode done = api.await("u4", job, Api.status("succeeded"), LIMIT, null);
            assertEquals(1, done.get("artifacts").size());
            assertEquals(1, stack.simulator().executionCount(job + "_1"));
        } finally {
            raw.shutdown();
        }
    }

    @Test
    void aKeyWhoseJobIsNoLongerKeptAnswers410AndNeverRunsItAgain() throws Exception {
        start(o -> {
            o.env.put("COMFYUI_REQUEST_TIMEOUT_MS", "1000");
            o.env.put("DISPATCH_LEASE_SECONDS", "6");
        });
        String body = Api.submitBody(5);
        Api.Response first = api.submit("u5", body, "order-5");
        assertEquals(202, first.status());
        String job = first.body().get("jobId").asText();
        api.await("u5", job, Api.status("succeeded"), LIMIT, null);
        // the job went (evicted, or deleted by an operator) while its key is still remembered
        assertTrue(stack.context().getBean(JobStore.class).delete(job));
        Thread.sleep(6_500);

        Api.Response again = api.submit("u5", body, "order-5");
        assertEquals(410, again.status(), again.body().toString());
        assertEquals("application/problem+json", again.header("Content-Type"));
        assertTrue(again.body().get("detail").asText().contains("no longer kept"), again.body().toString());
        assertEquals(List.of(job + "_1"), stack.simulator().submittedPrompts(), "the prompt was never sent again");
        assertTrue(stack.context().getBean(JobStore.class).findById(job).isEmpty(), "nor the job made again");
    }

    @Test
    void identicalSubmissionsWithinTheDedupeWindowAreOneJob() throws Exception {
        start(o -> o.env.put("DEDUPE_IDENTICAL_SECONDS", "2"));
        stack.simulator().faults().holdQueue(true);
        String body = Api.submitBody(6);
        String first = api.submit("u6", body, null).body().get("jobId").asText();
        Api.Response same = api.submit("u6", body, null);
        assertEquals(202, same.status());
        assertEquals(first, same.body().get("jobId").asText(), "an identical request within the window is the same job");
        assertEquals("true", same.header("Idempotent-Replayed"));
        String other = api.submit("u6", Api.submitBody(7), null).body().get("jobId").asText();
        assertFalse(first.equals(other), "another body is another job");
        String someoneElse = api.submit("u7", body, null).body().get("jobId").asText();
        assertFalse(first.equals(someoneElse), "another user's identical request is their own job");
        Thread.sleep(2100);
        String later = api.submit("u6", body, null).body().get("jobId").asText();
        assertFalse(first.equals(later), "after the window the same body is a new job");
        assertEquals(4, stack.simulator().submittedPrompts().size());
    }

    @Test
    void aMoveToAnotherServerNeverOverridesNewsThatArrivedAfterTheRead() throws Exception {
        start(o -> o.simulatorStepMillis = 200);
        stack.simulator().faults().holdQueue(true);
        String job = submit("u8");
        Job read = stored(job);
        JobStore store = stack.context().getBean(JobStore.class);
        // a webhook arrives after recovery read the job and found its server unreachable
        Instant later = read.updatedAt().plusMillis(5).truncatedTo(ChronoUnit.MILLIS);
        assertTrue(store.transition(Transition.of(job, later).expectAttempt(1).graph(GraphUpdate.executing("4")).build()).applied());
        Workflow workflow = store.findWorkflow(job).orElseThrow();
        DispatchResult d = stack.context().getBean(Dispatcher.class).moveToAnotherServer(read, workflow, List.of(read.comfyServer()));
        assertEquals(DispatchResult.Outcome.SKIPPED, d.outcome(), d.toString());
        assertEquals(1, stored(job).attempt(), "the live attempt is not superseded");
        assertEquals(List.of(job + "_1"), stack.simulator().submittedPrompts());
    }

    @Test
    void aSupersededAttemptThatStillRunsIsInterrupted() throws Exception {
        start(o -> o.simulatorStepMillis = 200);
        String job = submit("u9");
        api.await("u9", job, Api.status("running"), LIMIT, null);
        // recovery gave attempt 1 up (its server did not answer) and moved the job on
        JobStore store = stack.context().getBean(JobStore.class);
        Job now = stored(job);
        assertTrue(store.transition(Transition.of(job, Instant.now().truncatedTo(ChronoUnit.MILLIS)).expectAttempt(1)
                .requeue(2, now.comfyServer(), job + "_2").build()).applied());
        assertTrue(stack.simulator().awaitIdle(LIMIT));
        assertEquals(List.of(PromptFate.INTERRUPTED), stack.simulator().fates(job + "_1"),
                "attempt 1's own events got it stopped: nobody would have collected its outputs");
    }

    @Test
    void thirtyRejectedMegabyteSubmissionsLeaveAlmostNothingInRedis() throws Exception {
        start(o -> o.env.put("MAX_ACTIVE_JOBS_PER_USER", "100"));
        ObjectMapper json = new ObjectMapper();
        var body = json.createObjectNode();
        var wf = Api.workflow(4);
        // a checkpoint ComfyUI does not have: it refuses the workflow, whose prompt is 900 KB of text
        ((ObjectNode) wf.get("4").get("inputs")).put("ckpt_name", "missing.safetensors");
        ((ObjectNode) wf.get("6").get("inputs")).put("text", "a cat ".repeat(150_000));
        body.set("workflow", wf);
        String request = body.toString();
        assertTrue(request.length() > 900_000, request.length() + " bytes");
        assertEquals(422, api.submit("u4", request, null).status(), "warm-up");
        RedisClient raw = RedisClient.create(stack.redis().uri().toString());
        try (StatefulRedisConnection<String, String> c = raw.connect()) {
            long before = usedMemory(c.sync());
            for (int i = 0; i < 30; i++) {
                Api.Response r = api.submit("u4", request, null);
                assertEquals(422, r.status(), r.body().toString());
            }
            // a query buffer holding the last request, or a removal freed on Redis's background thread, is
            // gone a moment later: weighed until it settles, for at most 10 s
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            long grown = usedMemory(c.sync()) - before;
            while (grown >= 200 * 1024 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                grown = usedMemory(c.sync()) - before;
            }
            assertTrue(grown < 200 * 1024, "Redis grew by " + grown + " bytes for 30 rejected submissions");
        } finally {
            raw.shutdown();
        }
    }

    /**
     * used_memory: it also counts the clients' query buffers, and the stack's connection may still hold
     * the last 1 MB request when INFO runs until Redis shrinks the idle buffer on its own timer, hence
     * the wait above (used_memory_dataset is no way out: Redis 6.2 can report it below zero then).
     */
    private static long usedMemory(RedisCommands<String, String> redis) {
        for (String line : redis.info("memory").split("\r?\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).trim());
            }
        }
        throw new IllegalStateException("INFO memory has no used_memory");
    }

    @Test
    void aSubmissionLargerThanTheStoreAcceptsAnswers413BeforeAnythingIsWritten() throws Exception {
        start(o -> o.env.put("REDIS_MAX_REQUEST_BYTES", "200000"));
        ObjectNode body = new ObjectMapper().createObjectNode();
        ObjectNode wf = Api.workflow(10);
        ((ObjectNode) wf.get("6").get("inputs")).put("text", "a cat ".repeat(50_000));
        body.set("workflow", wf);
        assertEquals(200, api.list("u10", null).status(), "the store has recorded its layout");
        String before = stack.redis().digest();
        Api.Response r = api.submit("u10", body.toString(), "big-1");
        assertEquals(413, r.status(), r.body().toString());
        assertEquals("application/problem+json", r.header("Content-Type"));
        assertTrue(r.body().get("detail").asText().contains("REDIS_MAX_REQUEST_BYTES"), r.body().toString());
        assertEquals(before, stack.redis().digest(), "nothing was written");
        assertTrue(stack.simulator().submittedPrompts().isEmpty(), "nothing was sent");
    }

    @Test
    void aJobReportingMoreOutputsThanTheCapFailsWithAClearError() throws Exception {
        start(o -> o.env.put("MAX_OUTPUTS_PER_JOB", "1"));
        ObjectNode body = new ObjectMapper().createObjectNode();
        ObjectNode wf = Api.workflow(11);
        ((ObjectNode) wf.get("5").get("inputs")).put("batch_size", 2);
        body.set("workflow", wf);
        String job = api.submit("u11", body.toString(), null).body().get("jobId").asText();
        JsonNode failed = api.await("u11", job, Api.terminal(), LIMIT, null);
        assertEquals("failed", failed.get("status").asText(), failed.toString());
        assertEquals("too_many_outputs", failed.get("error").get("type").asText());
        assertTrue(failed.get("error").get("message").asText().contains("MAX_OUTPUTS_PER_JOB"));
        assertTrue(failed.get("outputs").isEmpty(), "the outputs over the cap were not stored");
    }
}
