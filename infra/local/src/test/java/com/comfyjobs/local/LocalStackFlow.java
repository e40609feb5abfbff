package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.testing.CallbackReceiver;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The local stack started in-process and driven over real HTTP, as a user would: submit, an
 * idempotent repeat, progress, success, artifact download, cancel, another user's 404, recovery after
 * a ComfyUI restart, a job's callbacks signed with its caller's secret, and its progress pushed over
 * WebSocket. The same flow on each job store the stack can run on (JOB_STORE_TYPE): subclasses name
 * the store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LocalStackFlow {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    protected LocalStack stack;
    protected Api api;

    /** JOB_STORE_TYPE for this run. */
    abstract String storeType();

    @BeforeAll
    void start() throws Exception {
        LocalStack.Options o = TestStacks.options("local-stack-" + storeType());
        o.simulatorStepMillis = 15;
        o.env.put("STALE_AFTER_SECONDS", "1");
        o.env.put("JOB_STORE_TYPE", storeType());
        stack = LocalStack.start(o);
        api = new Api(stack.apiUrl()).checkedAgainst(OpenApiContract.load());
    }

    @AfterAll
    void stop() {
        stack.close();
    }

    @Test
    void aJobsProgressAndEndReachItsCallerSignedWithItsOwnSecret() throws Exception {
        try (CallbackReceiver receiver = CallbackReceiver.start()) {
            String secret = api.webhookSecret("frida").body().get("secret").asText();
            Api.Response r = api.submit("frida", Api.submitBody(21, receiver.url(), "job.progress", "job.succeeded"), null);
            assertEquals(202, r.status(), r.body().toString());
            String job = r.body().get("jobId").asText();
            api.await("frida", job, Api.status("succeeded"), LIMIT, null);
            long deadline = System.nanoTime() + LIMIT.toNanos();
            while (receiver.of(job).stream().noneMatch(d -> d.type().equals("job.succeeded")) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            List<CallbackReceiver.Delivery> got = receiver.of(job);
            assertTrue(got.stream().anyMatch(d -> d.type().equals("job.succeeded")), "the end was called back: " + got);
            assertTrue(got.stream().allMatch(d -> d.verifies(secret)), "every delivery verifies with the caller's secret");
            int end = got.stream().map(CallbackReceiver.Delivery::type).toList().indexOf("job.succeeded");
            assertTrue(got.subList(end, got.size()).stream().allMatch(d -> d.type().equals("job.succeeded")), "no progress after the end");
            assertEquals("delivered", api.get("frida", job).body().path("callback").path("status").asText());
        }
    }

    @Test
    void aListenerHearsItsJobRiseAndEndOverWebSocket() throws Exception {
        try (LiveClient gina = LiveClient.connect(stack, "gina")) {
            String job = api.submit("gina", Api.submitBody(22), null).body().get("jobId").asText();
            assertEquals("subscribed", gina.ask("{\"action\": \"subscribe\", \"jobId\": \"" + job + "\"}").path("type").asText());
            JsonNode end = gina.until(m -> m.path("type").asText().equals("job.succeeded"), LIMIT);
            assertEquals(job, end.path("data").path("jobId").asText());
            double before = 0;
            for (JsonNode m : gina.seen()) {
                if (m.path("type").asText().startsWith("job.")) {
                    assertTrue(m.path("data").path("progress").asDouble() >= before, "progress never goes back: " + gina.seen());
                    before = m.path("data").path("progress").asDouble();
                }
            }
            assertEquals(api.get("gina", job).body().path("status").asText(), end.path("data").path("status").asText());
        }
    }

    @Test
    void aJobRunsToSuccessAndItsArtifactsAreComfyUisFilesByteForByte() throws Exception {
        Api.Response r = api.submit("alice", Api.submitBody(11), null);
        assertEquals(202, r.status(), r.body().toString());
        String job = r.body().get("jobId").asText();
        assertEquals("/jobs/" + job, r.header("Location"));
        List<Double> progress = new ArrayList<>();
        JsonNode done = api.await("alice", job, Api.status("succeeded"), LIMIT, progress);
        for (int i = 1; i < progress.size(); i++) {
            assertTrue(progress.get(i) >= progress.get(i - 1), "progress went down: " + progress);
        }
        assertTrue(progress.stream().anyMatch(p -> p > 0 && p < 1), "progress was seen between 0 and 1: " + progress);
        assertEquals(1.0, done.get("progress").asDouble());
        JsonNode artifacts = done.get("artifacts");
        assertEquals(1, artifacts.size());
        for (JsonNode a : artifacts) {
            byte[] fromS3 = api.download(a.get("url").asText());
            byte[] fromComfyUi = Files.readAllBytes(stack.simulator().outputFile(a.get("filename").asText(), Api.folderOf(done)));
            assertArrayEquals(fromComfyUi, fromS3);
            assertEquals(fromComfyUi.length, a.get("size").asLong());
            assertEquals("image/png", a.get("contentType").asText());
        }
    }

    @Test
    void theSameIdempotencyKeyGivesTheSameJobAndOneExecution() {
        String body = Api.submitBody(12);
        Api.Response first = api.submit("alice", body, "key-12");
        Api.Response again = api.submit("alice", body, "key-12");
        assertEquals(202, first.status());
        assertEquals(202, again.status());
        assertEquals(first.body(), again.body());
        assertEquals("true", again.header("Idempotent-Replayed"));
        String job = first.body().get("jobId").asText();
        api.await("alice", job, Api.terminal(), LIMIT, null);
        assertEquals(1, stack.simulator().submittedPrompts().stream().filter(p -> p.startsWith(job)).count());
        Api.Response other = api.submit("alice", Api.submitBody(13), "key-12");
        assertEquals(422, other.status());
        assertEquals("application/problem+json", other.header("Content-Type"));
    }

    @Test
    void concurrentRetriesWithOneKeyMakeOneJobAndOneExecution() throws Exception {
        String body = Api.submitBody(14);
        int callers = 16;
        CyclicBarrier start = new CyclicBarrier(callers);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        List<Future<Api.Response>> answers = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            answers.add(pool.submit(() -> {
                start.await();
                return api.submit("dave", body, "key-14");
            }));
        }
        Set<String> jobs = new HashSet<>();
        int inProgress = 0;
        for (Future<Api.Response> f : answers) {
            Api.Response r = f.get();
            if (r.status() == 202) {
                jobs.add(r.body().get("jobId").asText());
            } else {
                assertEquals(409, r.status(), r.body().toString());
                assertEquals("application/problem+json", r.header("Content-Type"));
                inProgress++;
            }
        }
        pool.shutdown();
        assertEquals(1, jobs.size(), "one job for one key, " + inProgress + " callers told to retry");
        String job = jobs.iterator().next();
        api.await("dave", job, Api.terminal(), LIMIT, null);
        assertEquals(job, api.submit("dave", body, "key-14").body().get("jobId").asText());
        assertEquals(List.of(job + "_1"), stack.simulator().submittedPrompts().stream().filter(p -> p.startsWith(job)).toList());
        assertEquals(1, stack.simulator().executionCount(job + "_1"));
    }

    @Test
    void aPendingJobIsCanceledAtOnce() {
        stack.simulator().faults().holdQueue(true);
        try {
            String job = api.submit("bob", Api.submitBody(14), null).body().get("jobId").asText();
            Api.Response c = api.cancel("bob", job);
            assertEquals(202, c.status(), c.body().toString());
            assertEquals("canceled", c.body().get("status").asText());
            Api.Response again = api.cancel("bob", job);
            assertEquals(202, again.status(), "DELETE is idempotent: a client whose first answer was lost asks again");
            assertEquals("canceled", again.body().get("status").asText());
        } finally {
            stack.simulator().faults().holdQueue(false);
        }
    }

    @Test
    void anotherUserCannotTellAJobFromOneThatDoesNotExist() {
        String job = api.submit("carol", Api.submitBody(15), null).body().get("jobId").asText();
        Api.Response foreign = api.get("mallory", job);
        Api.Response unknown = api.get("mallory", "00000000-0000-4000-8000-000000000000");
        assertEquals(404, foreign.status());
        assertEquals(foreign.body(), unknown.body());
        assertEquals(404, api.cancel("mallory", job).status());
        assertFalse(api.list("mallory", null).body().get("jobs").toString().contains(job));
        assertEquals(200, api.get("carol", job).status());
    }

    @Test
    void recoveryResubmitsWhatAComfyUiRestartLost() throws Exception {
        stack.simulator().faults().holdQueue(true);
        String job = api.submit("dave", Api.submitBody(16), null).body().get("jobId").asText();
        stack.simulator().faults().restart();
        stack.simulator().faults().holdQueue(false);
        Thread.sleep(1200);
        long deadline = System.nanoTime() + LIMIT.toNanos();
        JsonNode j = api.get("dave", job).body();
        while (!"succeeded".equals(j.path("status").asText()) && System.nanoTime() < deadline) {
            stack.runRecovery();
            Thread.sleep(300);
            j = api.get("dave", job).body();
        }
        assertEquals("succeeded", j.get("status").asText(), j.toString());
        assertEquals(2, j.get("attempt").asInt());
        assertEquals(job + "_2", j.get("promptId").asText());
    }
}
