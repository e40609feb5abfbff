package com.comfyjobs.comfyui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.JobOutput;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.secrets.SecretUnavailableException;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.comfyjobs.testing.JobFixtures;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ComfyUI client against the simulator over HTTP: every endpoint, every error shape, the faults. */
class ComfyUiClientIT {
    private static final Duration IDLE = Duration.ofSeconds(20);
    private ComfyUiSimulator sim;
    private ComfyUiClient client;

    @BeforeEach
    void start() {
        sim = ComfyUiSimulator.builder().port(0).stepMillis(2).nodeMillis(1).build();
        sim.start();
        ComfyUiSettings settings = ComfyUiSettings.of(List.of(sim.baseUri())).withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(2));
        client = new ComfyUiClient(sim.baseUri(), ComfyUiClient.httpClient(settings), settings);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private static String pid() {
        return UUID.randomUUID() + "_1";
    }

    private PromptSubmitResult submit(String promptId, Workflow w) {
        return client.submit(promptId, "comfyjobs", w, Map.of("jobId", "j-1", "userId", "u-1"));
    }

    private static ObjectNode tree(Workflow w) {
        try {
            return (ObjectNode) new ObjectMapper().readTree(w.json());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Workflow withCheckpoint(String ckpt) {
        ObjectNode wf = tree(JobFixtures.defaultWorkflow());
        ((ObjectNode) wf.get("4").get("inputs")).put("ckpt_name", ckpt);
        return Workflow.parse(wf.toString());
    }

    @Test
    void submitRunsAndHistoryReportsTheOutputs() throws Exception {
        String pid = pid();
        PromptSubmitResult r = submit(pid, JobFixtures.defaultWorkflow());
        assertEquals(pid, assertInstanceOf(PromptSubmitResult.Accepted.class, r).promptId());
        sim.awaitIdle(IDLE);
        HistoryEntry h = client.history(pid).orElse(Optional.empty()).orElseThrow();
        assertEquals(HistoryEntry.Outcome.SUCCESS, h.outcome());
        assertEquals("j-1", h.extraData().get("jobId").asText());
        assertEquals("comfyjobs", h.extraData().get("client_id").asText());
        List<JobOutput> files = h.deliverables();
        assertEquals(1, files.size());
        JobOutput png = files.get(0);
        DownloadResult d = client.download(png.filename(), png.subfolder(), png.type());
        try (Download download = assertInstanceOf(DownloadResult.Found.class, d).download()) {
            byte[] bytes = download.body().readAllBytes();
            assertArrayEquals(Files.readAllBytes(sim.outputFile(png.filename(), png.subfolder())), bytes);
            assertEquals(bytes.length, download.contentLength());
            assertEquals("image/png", download.contentType());
        }
    }

    @Test
    void rejectionsCarryComfyUisErrorAndNodeErrors() {
        PromptSubmitResult.Rejected missing = assertInstanceOf(PromptSubmitResult.Rejected.class,
                submit(pid(), withCheckpoint("nope.safetensors")));
        assertEquals("prompt_outputs_failed_validation", missing.type());
        assertEquals("value_not_in_list", missing.nodeErrors().get("4").get("errors").get(0).get("type").asText());
        ObjectNode unknown = tree(JobFixtures.defaultWorkflow());
        ((ObjectNode) unknown.get("3")).put("class_type", "NoSuchNode");
        PromptSubmitResult.Rejected bad = assertInstanceOf(PromptSubmitResult.Rejected.class, submit(pid(), Workflow.parse(unknown.toString())));
        assertEquals("invalid_prompt", bad.type());
    }

    @Test
    void unknownHistoryIsEmptyAndDuplicatePromptIdsRunTwice() throws Exception {
        assertEquals(Optional.empty(), client.history(pid()).orElse(null));
        String pid = pid();
        assertInstanceOf(PromptSubmitResult.Accepted.class, submit(pid, JobFixtures.defaultWorkflow()));
        assertInstanceOf(PromptSubmitResult.Accepted.class, submit(pid, JobFixtures.defaultWorkflow()));
        sim.awaitIdle(IDLE);
        assertEquals(2, sim.executionCount(pid), "ComfyUI does not deduplicate prompt ids");
    }

    @Test
    void queueDeleteInterruptAndLoad() throws Exception {
        sim.faults().holdQueue(true);
        String a = pid();
        String b = pid();
        submit(a, JobFixtures.defaultWorkflow());
        submit(b, JobFixtures.defaultWorkflow());
        QueueSnapshot q = client.queue().orElse(null);
        assertEquals(QueueSnapshot.Place.PENDING, q.find(a));
        assertEquals(2, client.queueRemaining(Duration.ofSeconds(1)).orElse(-1));
        assertTrue(client.deletePending(b).isOk());
        assertEquals(QueueSnapshot.Place.ABSENT, client.queue().orElse(null).find(b));
        assertTrue(client.interrupt("not-running").isOk());
        sim.faults().holdQueue(false);
        sim.awaitIdle(IDLE);
        assertEquals(HistoryEntry.Outcome.SUCCESS, client.history(a).orElse(Optional.empty()).orElseThrow().outcome());
        assertTrue(client.history(b).orElse(null).isEmpty());
        assertTrue(client.systemStats().orElse(null).path("system").has("comfyui_version"));
    }

    @Test
    void interruptingTheRunningPromptEndsItInterrupted() throws Exception {
        sim.close();
        sim = ComfyUiSimulator.builder().port(0).stepMillis(100).nodeMillis(1).build();
        sim.start();
        ComfyUiSettings settings = ComfyUiSettings.of(List.of(sim.baseUri()));
        client = new ComfyUiClient(sim.baseUri(), ComfyUiClient.httpClient(settings), settings);
        String pid = pid();
        submit(pid, JobFixtures.defaultWorkflow());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (client.queue().orElse(null).find(pid) != QueueSnapshot.Place.RUNNING && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(client.interrupt(pid).isOk());
        sim.awaitIdle(IDLE);
        assertEquals(HistoryEntry.Outcome.INTERRUPTED, client.history(pid).orElse(Optional.empty()).orElseThrow().outcome());
    }

    @Test
    void downloadsThatCannotBeServed() {
        assertInstanceOf(DownloadResult.Missing.class, client.download("nothing.png", "", "output"));
        assertInstanceOf(DownloadResult.Refused.class, client.download("../etc/passwd", "", "output"));
        assertInstanceOf(DownloadResult.Refused.class, client.download("x.png", "../..", "output"));
    }

    @Test
    void faultsAreUnavailableNeverExceptions() throws Exception {
        sim.faults().serverErrors(true);
        assertInstanceOf(PromptSubmitResult.Unavailable.class, submit(pid(), JobFixtures.defaultWorkflow()));
        assertInstanceOf(Reply.Unavailable.class, client.history(pid()));
        assertInstanceOf(Reply.Unavailable.class, client.queue());
        sim.faults().serverErrors(false);

        sim.faults().slowResponses(Duration.ofSeconds(3));
        assertInstanceOf(Reply.Unavailable.class, client.queueRemaining(Duration.ofMillis(200)));
        sim.faults().slowResponses(Duration.ZERO);

        sim.faults().stopListening();
        assertInstanceOf(PromptSubmitResult.Unavailable.class, submit(pid(), JobFixtures.defaultWorkflow()));
        assertInstanceOf(DownloadResult.Unavailable.class, client.download("a.png", "", "output"));
        assertInstanceOf(Reply.Unavailable.class, client.interrupt("x"));
        sim.faults().startListening();
        assertTrue(client.systemStats().isOk());
    }

    @Test
    void aRestartLosesQueueAndHistory() throws Exception {
        String done = pid();
        submit(done, JobFixtures.defaultWorkflow());
        sim.awaitIdle(IDLE);
        sim.faults().holdQueue(true);
        String pending = pid();
        submit(pending, JobFixtures.defaultWorkflow());
        sim.faults().restart();
        assertTrue(client.history(done).orElse(null).isEmpty());
        assertEquals(QueueSnapshot.Place.ABSENT, client.queue().orElse(null).find(pending));
    }

    @Test
    void theConfiguredHeaderGoesOnEveryCall() {
        sim.close();
        sim = ComfyUiSimulator.builder().port(0).bearerToken("s3cret").build();
        sim.start();
        ComfyUiSettings without = ComfyUiSettings.of(List.of(sim.baseUri()));
        ComfyUiClient anonymous = new ComfyUiClient(sim.baseUri(), ComfyUiClient.httpClient(without), without);
        assertInstanceOf(Reply.Unavailable.class, anonymous.systemStats());
        ComfyUiSettings with = without.withHeader(ComfyUiHeader.of("Authorization", "Bearer s3cret"));
        ComfyUiClient authorized = new ComfyUiClient(sim.baseUri(), ComfyUiClient.httpClient(with), with);
        assertTrue(authorized.systemStats().isOk());
        assertInstanceOf(PromptSubmitResult.Accepted.class, authorized.submit(pid(), "c", JobFixtures.defaultWorkflow(), Map.of()));
    }

    @Test
    void theHeaderIsAskedForOnEveryCallAndOneThatCannotBeHadSendsNothing() {
        sim.close();
        sim = ComfyUiSimulator.builder().port(0).bearerToken("s3cret").build();
        sim.start();
        AtomicReference<String> header = new AtomicReference<>("Authorization: Bearer s3cret");
        AtomicBoolean unreadable = new AtomicBoolean();
        ComfyUiSettings settings = ComfyUiSettings.of(List.of(sim.baseUri())).withHeader(ComfyUiHeader.from(() -> {
            if (unreadable.get()) {
                throw new SecretUnavailableException("COMFYUI_HEADER_SECRET_ARN: Secrets Manager could not be reached", null);
            }
            return header.get();
        }, "COMFYUI_HEADER_SECRET_ARN"));
        ComfyUiClient c = new ComfyUiClient(sim.baseUri(), ComfyUiClient.httpClient(settings), settings);
        assertTrue(c.systemStats().isOk());
        header.set("Authorization: Bearer revoked");
        assertInstanceOf(Reply.Unavailable.class, c.systemStats(), "the rotated header went out on the next call");
        header.set("Authorization: Bearer s3cret");
        assertTrue(c.queueRemainingAsync(Duration.ofSeconds(2)).join().isOk());

        unreadable.set(true);
        PromptSubmitResult.Unavailable notSent = assertInstanceOf(PromptSubmitResult.Unavailable.class,
                c.submit(pid(), "c", JobFixtures.defaultWorkflow(), Map.of()));
        assertFalse(notSent.maybeReceived(), "a call whose header cannot be had never left");
        assertTrue(notSent.reason().contains("COMFYUI_HEADER_SECRET_ARN"), notSent.reason());
        Reply<Integer> probe = c.queueRemainingAsync(Duration.ofSeconds(2)).join();
        assertTrue(((Reply.Unavailable<Integer>) probe).reason().contains("COMFYUI_HEADER_SECRET_ARN"));
        unreadable.set(false);
        header.set("Authorization no colon");
        assertInstanceOf(Reply.Unavailable.class, c.systemStats(), "a header rotated to something malformed is not sent either");
    }

    @Test
    void thePoolPicksTheLeastLoadedReachableServerAndSkipsDeadOnes() {
        try (ComfyUiSimulator busy = ComfyUiSimulator.builder().port(0).build().start();
             ComfyUiSimulator idle = ComfyUiSimulator.builder().port(0).build().start();
             ComfyUiSimulator dead = ComfyUiSimulator.builder().port(0).build().start()) {
            busy.faults().holdQueue(true);
            ComfyUiSettings s = ComfyUiSettings.of(List.of(dead.baseUri(), busy.baseUri(), idle.baseUri()))
                    .withHealth(Duration.ofMillis(300), Duration.ZERO);
            ComfyUiPool pool = new ComfyUiPool(s, Clock.systemUTC());
            pool.client(busy.baseUrl()).submit(pid(), "c", JobFixtures.defaultWorkflow(), Map.of());
            dead.faults().stopListening();
            assertEquals(idle.baseUri(), pool.choose().orElseThrow().baseUrl());
            idle.faults().stopListening();
            assertEquals(busy.baseUri(), pool.choose().orElseThrow().baseUrl());
            busy.faults().stopListening();
            assertTrue(pool.choose().isEmpty());
            assertEquals(idle.baseUri(), pool.next(busy.baseUrl()).baseUrl());
        }
    }
}
