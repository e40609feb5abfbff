package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.comfyui.HistoryEntry;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.servers.FreePorts;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.comfyjobs.simulator.WebhookOptions;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Recovery, one case at a time, through the local stack: a real redis-server, S3Proxy and the
 * simulator, with the schedule off so each test runs recovery exactly when it wants to.
 */
class RecoveryCasesIT {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private LocalStack stack;
    private Api api;
    private final List<AutoCloseable> extra = new ArrayList<>();

    private void start(Consumer<LocalStack.Options> adjust) throws Exception {
        LocalStack.Options o = TestStacks.options("recovery-it");
        o.simulatorStepMillis = 10;
        o.env.put("STALE_AFTER_SECONDS", "1");
        adjust.accept(o);
        stack = LocalStack.start(o);
        api = new Api(stack.apiUrl());
    }

    @AfterEach
    void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
        for (AutoCloseable c : extra) {
            c.close();
        }
    }

    private static Consumer<LocalStack.Options> noWebhooks() {
        return o -> o.webhook = b -> b.dropPercent(100);
    }

    private String submit(String user) {
        Api.Response r = api.submit(user, Api.submitBody(user.hashCode()), null);
        assertEquals(202, r.status(), r.body().toString());
        return r.body().get("jobId").asText();
    }

    /** Runs recovery until the job is where {@code until} wants it, after letting it go stale. */
    private JsonNode recoverUntil(String user, String job, String status) throws InterruptedException {
        Thread.sleep(1100);
        long deadline = System.nanoTime() + LIMIT.toNanos();
        JsonNode j = api.get(user, job).body();
        while (!status.equals(j.path("status").asText()) && System.nanoTime() < deadline) {
            stack.runRecovery();
            Thread.sleep(200);
            j = api.get(user, job).body();
        }
        assertEquals(status, j.path("status").asText(), j.toString());
        return j;
    }

    private Job stored(String job) {
        return stack.context().getBean(JobStore.class).findById(job).orElseThrow();
    }

    @Test
    void successNeverReportedIsFinishedFromHistory() throws Exception {
        start(noWebhooks());
        String job = submit("u1");
        stack.simulator().awaitIdle(LIMIT);
        assertEquals("queued", api.get("u1", job).body().get("status").asText(), "no webhook arrived");
        JsonNode done = recoverUntil("u1", job, "succeeded");
        assertEquals(1, done.get("artifacts").size());
        assertEquals(1, done.get("attempt").asInt());
    }

    @Test
    void errorNeverReportedFailsWithComfyUisMessage() throws Exception {
        start(noWebhooks());
        stack.simulator().faults().failNode("KSampler");
        String job = submit("u2");
        stack.simulator().awaitIdle(LIMIT);
        JsonNode failed = recoverUntil("u2", job, "failed");
        assertEquals("execution_error", failed.get("error").get("type").asText());
        assertEquals("KSampler", failed.get("error").get("nodeType").asText());
        assertTrue(!failed.get("error").get("message").asText().isBlank());
    }

    @Test
    void aStillRunningJobGetsAFreshHeartbeatAndIsLeftAlone() throws Exception {
        start(o -> {
            noWebhooks().accept(o);
            o.simulatorStepMillis = 1000;
        });
        String job = submit("u3");
        Thread.sleep(1500);
        Job before = stored(job);
        Map<String, Object> summary = stack.runRecovery();
        Job after = stored(job);
        assertTrue(((Number) summary.get("recovered")).intValue() >= 1, summary.toString());
        assertTrue(after.heartbeatAt().isAfter(before.heartbeatAt()));
        assertEquals(1, after.attempt());
        assertTrue(!after.isTerminal());
        assertEquals(1, stack.simulator().submittedPrompts().size(), "nothing was sent again");
    }

    @Test
    void lostInARestartIsResubmittedAndSucceeds() throws Exception {
        start(o -> o.simulatorStepMillis = 100);
        String job = submit("u4");
        api.await("u4", job, Api.status("running"), LIMIT, null);
        stack.simulator().faults().restart();
        JsonNode done = recoverUntil("u4", job, "succeeded");
        assertEquals(2, done.get("attempt").asInt());
        assertEquals(1, stack.simulator().executionCount(job + "_1"));
        assertEquals(1, stack.simulator().executionCount(job + "_2"));
    }

    @Test
    void anUnreachableServerIsLeftForAnother() throws Exception {
        int port = FreePorts.any();
        String secret = "whsec_" + java.util.Base64.getEncoder().encodeToString("recovery-it-secret-0123456789abc".getBytes());
        URI hook = URI.create("http://127.0.0.1:" + port + "/webhooks/comfyui");
        ComfyUiSimulator a = ComfyUiSimulator.builder().port(0).stepMillis(200).webhook(WebhookOptions.builder().url(hook).secret(secret).build())
                .build().start();
        ComfyUiSimulator b = ComfyUiSimulator.builder().port(0).stepMillis(200).webhook(WebhookOptions.builder().url(hook).secret(secret).build())
                .build().start();
        extra.add(a);
        extra.add(b);
        start(o -> {
            o.port = port;
            o.env.put("COMFYUI_URLS", a.baseUrl() + "," + b.baseUrl());
            o.env.put("WEBHOOK_SECRET", secret);
            o.env.put("COMFYUI_HEALTH_CACHE_MS", "0");
        });
        String job = submit("u5");
        String first = stored(job).comfyServer();
        ComfyUiSimulator firstSim = first.equals(a.baseUrl()) ? a : b;
        api.await("u5", job, Api.status("running"), LIMIT, null);
        // the box goes away: what it was running dies with it, and it answers nothing
        firstSim.faults().restart();
        firstSim.faults().stopListening();
        JsonNode done = recoverUntil("u5", job, "succeeded");
        assertEquals(2, done.get("attempt").asInt());
        assertNotEquals(first, stored(job).comfyServer());
    }

    @Test
    void anOverrunningJobIsInterruptedAndExpired() throws Exception {
        start(o -> {
            noWebhooks().accept(o);
            o.simulatorStepMillis = 1000;
            o.env.put("MAX_RUNTIME_IMAGE_GENERATION", "PT2S");
        });
        String job = submit("u6");
        Thread.sleep(1500);
        stack.runRecovery();
        Thread.sleep(1500);
        JsonNode expired = recoverUntil("u6", job, "expired");
        assertEquals("expired", expired.get("error").get("type").asText());
        stack.simulator().awaitIdle(LIMIT);
        ComfyUiSettings cs = ComfyUiSettings.of(List.of(stack.simulator().baseUri()));
        ComfyUiClient comfy = new ComfyUiClient(stack.simulator().baseUri(), ComfyUiClient.httpClient(cs), cs);
        assertEquals(HistoryEntry.Outcome.INTERRUPTED, comfy.history(job + "_1").orElse(java.util.Optional.empty()).orElseThrow().outcome(),
                "ComfyUI was told to stop");
    }

    @Test
    void aJobComfyUiNeverAcceptedIsSubmittedOnceItIsBack() throws Exception {
        start(o -> { });
        stack.simulator().faults().stopListening();
        String job = submit("u7");
        assertEquals("queued", api.get("u7", job).body().get("status").asText());
        assertTrue(stack.simulator().submittedPrompts().isEmpty());
        stack.simulator().faults().startListening();
        JsonNode done = recoverUntil("u7", job, "succeeded");
        assertEquals(1, stack.simulator().submittedPrompts().size(), "submitted exactly once: " + stack.simulator().submittedPrompts());
        assertTrue(done.get("artifacts").size() == 1);
    }

    @Test
    void aFinalizationCutShortByAnS3OutageIsFinished() throws Exception {
        start(o -> { });
        stack.s3().stop();
        String job = submit("u8");
        api.await("u8", job, Api.status("finalizing"), LIMIT, null);
        stack.simulator().awaitIdle(LIMIT);
        Thread.sleep(300);
        assertEquals("finalizing", api.get("u8", job).body().get("status").asText());
        stack.s3().start();
        JsonNode done = recoverUntil("u8", job, "succeeded");
        assertEquals(1, done.get("artifacts").size());
        byte[] bytes = api.download(done.get("artifacts").get(0).get("url").asText());
        assertEquals(done.get("artifacts").get(0).get("size").asLong(), bytes.length);
    }

    @Test
    void aFinishedJobWhoseOutputsComfyUiForgotIsRunAgainNeverSucceedsEmpty() throws Exception {
        // the success event arrives, the executed event that lists the outputs never does, S3 is down
        // so the copy waits, and a ComfyUI restart then wipes the history: nothing says which files it made
        start(o -> o.webhook = b -> b.neverSend("executed"));
        stack.s3().stop();
        String job = submit("u10");
        api.await("u10", job, Api.status("finalizing"), LIMIT, null);
        stack.simulator().awaitIdle(LIMIT);
        assertTrue(stored(job).outputs().isEmpty(), "no executed event arrived");
        stack.simulator().faults().restart();
        stack.s3().start();
        JsonNode done = recoverUntil("u10", job, "succeeded");
        assertEquals(2, done.get("attempt").asInt(), done.toString());
        assertEquals(1, done.get("artifacts").size(), done.toString());
        assertEquals(1, stack.simulator().executionCount(job + "_2"));
        byte[] bytes = api.download(done.get("artifacts").get(0).get("url").asText());
        assertArrayEquals(Files.readAllBytes(stack.simulator().outputFile(done.get("artifacts").get(0).get("filename").asText(),
                Api.folderOf(done))), bytes);
    }

    @Test
    void twoRecoveryRunsAtOnceNeverProcessAJobTwice() throws Exception {
        start(o -> {
            noWebhooks().accept(o);
            o.simulatorStepMillis = 1;
            o.env.put("MAX_ACTIVE_JOBS_PER_USER", "1000");
        });
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            jobs.add(submit("u9"));
        }
        stack.simulator().awaitIdle(LIMIT);
        Thread.sleep(1100);
        CompletableFuture<Map<String, Object>> one = CompletableFuture.supplyAsync(stack::runRecovery);
        CompletableFuture<Map<String, Object>> two = CompletableFuture.supplyAsync(stack::runRecovery);
        Map<String, Object> s1 = one.get();
        Map<String, Object> s2 = two.get();
        int scanned = ((Number) s1.get("scanned")).intValue() + ((Number) s2.get("scanned")).intValue();
        int recovered = ((Number) s1.get("recovered")).intValue() + ((Number) s2.get("recovered")).intValue();
        assertEquals(30, scanned, s1 + " / " + s2);
        assertEquals(30, recovered, s1 + " / " + s2);
        Set<String> keys = new HashSet<>();
        for (String job : jobs) {
            JsonNode j = api.get("u9", job).body();
            assertEquals("succeeded", j.get("status").asText());
            assertTrue(keys.add(j.get("artifacts").get(0).get("key").asText()));
        }
    }
}
