package com.comfyjobs.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.comfyui.HistoryEntry;
import com.comfyjobs.comfyui.HistoryPage;
import com.comfyjobs.comfyui.PromptLocation;
import com.comfyjobs.comfyui.PromptSubmitResult;
import com.comfyjobs.comfyui.QueueSnapshot;
import com.comfyjobs.comfyui.Reply;
import com.comfyjobs.job.Job;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ServiceHarness;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One read of a server's history and queue placing many prompts, against the simulator over HTTP
 * (which pages /history with ComfyUI's offset and max_items), with the server changed between two
 * calls of the read where an interleaving is the point.
 */
class ServerSnapshotTest {
    private static final long BUDGET = 64L * 1024 * 1024;
    private static ComfyUiSimulator sim;
    private static ComfyUiClient client;

    private final List<Integer> offsetsAsked = new ArrayList<>();
    private int queueReads;

    @BeforeAll
    static void startSimulator() {
        sim = ComfyUiSimulator.builder().port(0).build().start();
        ComfyUiSettings settings = ComfyUiSettings.of(List.of(sim.baseUri()));
        client = new ComfyUiClient(sim.baseUri(), ComfyUiClient.httpClient(settings), settings);
    }

    @AfterAll
    static void stopSimulator() {
        sim.close();
    }

    @BeforeEach
    void emptyServer() {
        sim.faults().clear();
        assertTrue(sim.awaitIdle(Duration.ofSeconds(30)), "what an earlier test left waiting has run");
        sim.faults().evictAllHistory();
    }

    private static String submit() {
        String prompt = "p-" + UUID.randomUUID();
        assertInstanceOf(PromptSubmitResult.Accepted.class, client.submit(prompt, "c", ServiceHarness.quick(), Map.of()));
        return prompt;
    }

    private static String finished() {
        String prompt = submit();
        ServiceHarness.await(prompt + " in history", () -> client.history(prompt).orElse(Optional.empty()).isPresent());
        return prompt;
    }

    /** A stale job whose current prompt is {@code prompt}: quiet since long before any read. */
    private static Job jobOf(String prompt) {
        Instant longAgo = JobFixtures.now().minus(Duration.ofMinutes(10));
        return JobFixtures.queued("u", longAgo).toBuilder().promptId(prompt).comfyServer(sim.baseUrl()).heartbeatAt(longAgo).build();
    }

    private ServerSnapshot read(int pageSize, long budget, ServerSnapshot.HistoryPages pages, Supplier<Reply<QueueSnapshot>> queue) {
        return ServerSnapshot.read((offset, max, bytes) -> {
            offsetsAsked.add(offset);
            return pages.page(offset, max, bytes);
        }, () -> {
            queueReads++;
            return queue.get();
        }, pageSize, budget, Instant.now().plusSeconds(60), JobFixtures::now);
    }

    private ServerSnapshot read(int pageSize) {
        return read(pageSize, BUDGET, client::historyPage, client::queue);
    }

    private static PromptLocation.Place placeOf(ServerSnapshot s, String prompt) {
        return s.locate(jobOf(prompt)).map(PromptLocation::place).orElse(null);
    }

    @Test
    void placesFinishedWaitingAndGonePromptsFromOneReadOfHistoryAndQueue() {
        String done = finished();
        sim.faults().failNode("KSampler", "RuntimeError", "CUDA out of memory");
        String failed = finished();
        sim.faults().clear();
        sim.faults().holdQueue(true);
        String waiting = submit();

        ServerSnapshot s = read(ServerSnapshot.PAGE);

        assertTrue(s.complete());
        PromptLocation d = s.locate(jobOf(done)).orElseThrow();
        assertEquals(PromptLocation.Place.FINISHED, d.place());
        assertEquals(HistoryEntry.Outcome.SUCCESS, d.entry().outcome());
        assertFalse(d.entry().outputs().isEmpty());
        PromptLocation f = s.locate(jobOf(failed)).orElseThrow();
        assertEquals(HistoryEntry.Outcome.ERROR, f.entry().outcome());
        assertEquals("CUDA out of memory", f.entry().error().message());
        assertEquals(PromptLocation.Place.PENDING, placeOf(s, waiting));
        assertEquals(PromptLocation.Place.ABSENT, placeOf(s, "never-sent"));
        assertEquals(List.of(0, 1), offsetsAsked, "one page of history, then on from its newest entry after the queue");
        assertEquals(1, queueReads);
        assertEquals(List.of(waiting), s.queue().orElseThrow().pending());
    }

    @Test
    void aHistoryOfManyPagesIsReadOldestFirstEachPageFromTheLastEntryOfTheOneBefore() {
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            prompts.add(finished());
        }

        ServerSnapshot s = read(2);

        assertTrue(s.complete());
        for (String p : prompts) {
            assertEquals(PromptLocation.Place.FINISHED, placeOf(s, p), p);
        }
        assertEquals(PromptLocation.Place.ABSENT, placeOf(s, "never-sent"));
        assertEquals(List.of(0, 1, 2, 3, 4, 4), offsetsAsked, "the second read only checks that the newest entry is still the newest");
    }

    @Test
    void aPromptThatFinishesBetweenTheFirstHistoryReadAndTheQueueReadIsFinishedNotGone() {
        sim.faults().holdQueue(true);
        String prompt = submit();

        ServerSnapshot s = read(ServerSnapshot.PAGE, BUDGET, client::historyPage, () -> {
            // after the first history read: it leaves the queue for history before the queue is read
            sim.faults().holdQueue(false);
            ServiceHarness.await(prompt + " in history", () -> client.history(prompt).orElse(Optional.empty()).isPresent());
            return client.queue();
        });

        assertEquals(PromptLocation.Place.FINISHED, placeOf(s, prompt), "a gone prompt would be sent again");
        assertTrue(s.complete());
    }

    @Test
    void entriesDroppedBeforeWhereTheReadHadGotMakeItIncompleteAndNothingIsCalledGone() {
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            prompts.add(finished());
        }
        ServerSnapshot s = read(2, BUDGET, (offset, max, bytes) -> {
            Reply<HistoryPage> page = client.historyPage(offset, max, bytes);
            if (offset == 0) {
                // the cap drops the two oldest once the first page is read: every entry moves down two places
                sim.faults().evictHistory(prompts.get(0));
                sim.faults().evictHistory(prompts.get(1));
            }
            return page;
        }, client::queue);

        assertFalse(s.complete());
        assertEquals(PromptLocation.Place.FINISHED, placeOf(s, prompts.get(0)), "what was read still counts");
        assertTrue(s.locate(jobOf(prompts.get(2))).isEmpty(), "the entry the shift skipped is looked up alone, not called gone");
        assertTrue(s.locate(jobOf("never-sent")).isEmpty());
    }

    @Test
    void aReadPastItsByteBudgetPlacesOnlyWhatItFound() {
        String first = finished();
        String second = finished();
        String third = finished();
        long onePage = ((Reply.Ok<HistoryPage>) client.historyPage(0, 2, BUDGET)).value().bytes();

        ServerSnapshot s = read(2, onePage + 10, client::historyPage, client::queue);

        assertFalse(s.complete());
        assertEquals(PromptLocation.Place.FINISHED, placeOf(s, first));
        assertEquals(PromptLocation.Place.FINISHED, placeOf(s, second));
        assertTrue(s.locate(jobOf(third)).isEmpty());
        assertTrue(s.locate(jobOf("never-sent")).isEmpty());
        assertTrue(s.bytes() <= onePage + 10);
    }

    @Test
    void aServerThatDoesNotAnswerPlacesNothing() {
        String done = finished();
        sim.faults().stopListening();

        ServerSnapshot s = read(ServerSnapshot.PAGE);

        assertFalse(s.complete());
        assertTrue(s.locate(jobOf(done)).isEmpty());
        assertTrue(s.locate(jobOf("never-sent")).isEmpty(), "silence is not absence");
        assertTrue(s.queue().isEmpty());
    }

    @Test
    void aQueueThatDoesNotAnswerLeavesOnlyWhatHistoryShowed() {
        String done = finished();

        ServerSnapshot s = read(ServerSnapshot.PAGE, BUDGET, client::historyPage, () -> new Reply.Unavailable<>("down"));

        assertEquals(PromptLocation.Place.FINISHED, placeOf(s, done));
        assertTrue(s.locate(jobOf("never-sent")).isEmpty());
    }

    @Test
    void aJobThatChangedAfterTheReadBeganIsLookedUpAlone() {
        ServerSnapshot s = read(ServerSnapshot.PAGE);
        Job recent = jobOf("sent-after-the-read").toBuilder().heartbeatAt(s.readFrom()).build();

        assertTrue(s.locate(recent).isEmpty(), "its prompt may have been sent after the queue was read");
        assertEquals(PromptLocation.Place.ABSENT, placeOf(s, "sent-after-the-read"), "the same prompt of a job quiet since before the read");
    }
}
