package com.comfyjobs.job;

import static com.comfyjobs.testing.JobFixtures.newJob;
import static com.comfyjobs.testing.JobFixtures.queued;
import static com.comfyjobs.testing.JobFixtures.user;
import static com.comfyjobs.testing.JobFixtures.withKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.testing.JobFixtures;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The JobStore contract: every store runs exactly these tests, unchanged. Subclasses only say how to
 * make a fresh, empty store ({@link SmokeSubset} ones run the tagged part).
 */
@ExtendWith(SmokeSubset.Condition.class)
public abstract class JobStoreContract {
    private static final Duration EVENT_TTL = Duration.ofMinutes(10);
    private static final int MAX_OUTPUTS = 1000;
    protected JobStore store;
    private Instant t0;

    /** A new store that shares no data with any other test's store. */
    protected abstract JobStore newStore();

    @BeforeEach
    void open() {
        store = newStore();
        t0 = JobFixtures.now().minusSeconds(3600);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private Instant at(long seconds) {
        return t0.plusSeconds(seconds);
    }

    private Job created(String user, long second) {
        CreateResult r = store.create(newJob(user, at(second)));
        assertEquals(CreateResult.Outcome.CREATED, r.outcome());
        return r.job();
    }

    // ---- create and read ------------------------------------------------------------------

    @Test
    @Tag(SmokeSubset.TAG)
    void createdJobReadsBackFieldForField() {
        Job job = queued(user(), at(0)).toBuilder()
                .characterId("char-7")
                .metadataJson(new ObjectMapper().createObjectNode().put("campaign", "spring").put("n", 3).toString())
                .idempotencyKey("key-1")
                .build();
        CreateResult created = store.create(newJob(job));
        assertEquals(CreateResult.Outcome.CREATED, created.outcome());
        Job expected = job.toBuilder().workflowSha256(JobFixtures.defaultWorkflow().sha256())
                .workflowBytes(JobFixtures.defaultWorkflow().bytes()).build();
        assertEquals(expected, created.job());
        assertEquals(expected, store.findById(job.id()).orElseThrow());
        assertEquals(JobFixtures.defaultWorkflow(), store.findWorkflow(job.id()).orElseThrow());
    }

    @Test
    void aTemplateJobReadsBackItsTemplateSeedAndInputsThroughItsLife() {
        Job job = queued(user(), at(0)).toBuilder()
                .template("img2img", 3)
                .seed(-9_007_199_254_740_993L)
                .inputs(List.of(new JobInput("image", "uploads/u/abc", "image/png", List.of("10.inputs.image", "12.inputs.image")),
                        new JobInput("mask", "inputs/j/mask", "image/webp", List.of("11.inputs.image"))))
                .build();
        Job created = store.create(newJob(job)).job();
        assertEquals("img2img", created.template());
        assertEquals(3, created.templateVersion());
        assertEquals(job.seed(), created.seed());
        assertEquals(job.inputs(), created.inputs());
        store.transition(Transition.of(job.id(), at(1)).expectAttempt(1).requeue(2, "http://comfy-2:8188", job.id() + "_2").build());
        store.updateStatus(job.id(), JobStatus.FAILED, at(2));
        Job ended = store.findById(job.id()).orElseThrow();
        assertEquals(JobStatus.FAILED, ended.status());
        assertEquals(job.inputs(), ended.inputs(), "the inputs outlive the job, for their deletion");
        assertEquals(job.seed(), ended.seed());
        assertEquals(3, ended.templateVersion());
    }

    @Test
    void unknownIdIsEmpty() {
        assertTrue(store.findById("no-such-job").isEmpty());
        assertTrue(store.findWorkflow("no-such-job").isEmpty());
        assertEquals(TransitionOutcome.NOT_FOUND, store.updateStatus("no-such-job", JobStatus.RUNNING, at(1)).outcome());
    }

    @Test
    void createFailsWhenTheIdExists() {
        Job job = created(user(), 0);
        Job twin = queued("someone-else", at(5)).toBuilder().id(job.id()).build();
        assertEquals(CreateResult.Outcome.ID_EXISTS, store.create(newJob(twin)).outcome());
        assertEquals(job, store.findById(job.id()).orElseThrow());
    }

    @Test
    @Tag(SmokeSubset.TAG)
    void capOnLiveJobsPerUserCountsOnlyLiveOnes() {
        String u = user();
        Job a = store.create(new NewJob(queued(u, at(0)), JobFixtures.defaultWorkflow(), 2, null)).job();
        store.create(new NewJob(queued(u, at(1)), JobFixtures.defaultWorkflow(), 2, null));
        CreateResult third = store.create(new NewJob(queued(u, at(2)), JobFixtures.defaultWorkflow(), 2, null));
        assertEquals(CreateResult.Outcome.ACTIVE_LIMIT, third.outcome());
        assertEquals(2, third.activeJobs());
        assertEquals(2, store.countActiveByUserId(u));
        assertEquals(CreateResult.Outcome.CREATED,
                store.create(new NewJob(queued(user(), at(2)), JobFixtures.defaultWorkflow(), 2, null)).outcome(),
                "another user's cap is separate");

        assertTrue(store.updateStatus(a.id(), JobStatus.CANCELED, at(3)).applied());
        assertEquals(1, store.countActiveByUserId(u));
        assertEquals(CreateResult.Outcome.CREATED,
                store.create(new NewJob(queued(u, at(4)), JobFixtures.defaultWorkflow(), 2, null)).outcome());
        assertEquals(3, store.countByUserId(u));
    }

    // ---- idempotency ------------------------------------------------------------------------

    @Test
    @Tag(SmokeSubset.TAG)
    void sameKeySamePayloadReplaysTheFirstJob() {
        String u = user();
        Job first = queued(u, at(0));
        assertEquals(CreateResult.Outcome.CREATED, store.create(withKey(first, "k1", "fp-a")).outcome());
        CreateResult again = store.create(withKey(queued(u, at(1)), "k1", "fp-a"));
        assertEquals(CreateResult.Outcome.IDEMPOTENT_REPLAY, again.outcome());
        assertEquals(first.id(), again.previous().jobId());
        assertEquals("fp-a", again.previous().fingerprint());
        assertEquals(first.createdAt(), again.previous().createdAt());
        assertEquals(1, store.countByUserId(u), "a replay stores nothing");
        assertEquals(first.id(), store.findIdempotencyRecord(u, "k1").orElseThrow().jobId());
    }

    @Test
    void sameKeyDifferentPayloadIsAMismatch() {
        String u = user();
        store.create(withKey(queued(u, at(0)), "k1", "fp-a"));
        assertEquals(CreateResult.Outcome.IDEMPOTENCY_MISMATCH, store.create(withKey(queued(u, at(1)), "k1", "fp-b")).outcome());
        assertEquals(1, store.countByUserId(u));
    }

    @Test
    void keysArePerUser() {
        store.create(withKey(queued(user(), at(0)), "shared-key", "fp-a"));
        assertEquals(CreateResult.Outcome.CREATED, store.create(withKey(queued(user(), at(1)), "shared-key", "fp-b")).outcome());
    }

    @Test
    void theSameAdmissionSentTwiceIsOneJobCountedOnce() {
        String u = user();
        Job first = queued(u, at(0));
        store.create(new NewJob(queued(u, at(0)), JobFixtures.defaultWorkflow(), 2, null));
        assertEquals(CreateResult.Outcome.CREATED, store.create(new NewJob(first, JobFixtures.defaultWorkflow(), 2, claim("k1", "fp-a"))).outcome());
        CreateResult again = store.create(new NewJob(first, JobFixtures.defaultWorkflow(), 2, claim("k1", "fp-a")));
        assertEquals(CreateResult.Outcome.CREATED, again.outcome(), "at the cap, yet the same admission again is no new job");
        assertEquals(first.id(), again.job().id());
        assertEquals(2, store.countByUserId(u));
        assertEquals(2, store.countActiveByUserId(u));
        assertEquals(CreateResult.Outcome.CREATED, store.create(newJob(first)).outcome(), "and without a key as well");
        assertEquals(2, store.countByUserId(u));
        assertTrue(store.findIdempotencyRecord(u, "k1").orElseThrow().jobStored());
    }

    private static IdempotencyClaim claim(String key, String fingerprint) {
        return new IdempotencyClaim(key, fingerprint, Duration.ofHours(24));
    }

    // ---- listing ---------------------------------------------------------------------------------

    @Test
    @Tag(SmokeSubset.TAG)
    void listsNewestFirstAcrossPagesWithoutGapsOrRepeats() {
        String u = user();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            ids.add(0, created(u, i).id());
        }
        created(user(), 100);
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            JobPage page = store.findByUserId(u, Set.of(), 10, cursor);
            assertTrue(page.jobs().size() <= 10);
            page.jobs().forEach(j -> seen.add(j.id()));
            cursor = page.nextCursor();
        } while (cursor != null);
        assertEquals(ids, seen);
    }

    @Test
    void jobsCreatedInTheSameMillisecondPageCorrectly() {
        String u = user();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 7; i++) {
            ids.add(created(u, 0).id());
        }
        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            JobPage page = store.findByUserId(u, Set.of(), 2, cursor);
            for (Job j : page.jobs()) {
                assertTrue(seen.add(j.id()), "no job twice");
            }
            cursor = page.nextCursor();
            pages++;
        } while (cursor != null);
        assertEquals(ids, seen);
        assertEquals(4, pages);
    }

    @Test
    void lastFullPageHasNoCursor() {
        String u = user();
        for (int i = 0; i < 4; i++) {
            created(u, i);
        }
        JobPage page = store.findByUserId(u, Set.of(), 4, null);
        assertEquals(4, page.jobs().size());
        assertNull(page.nextCursor());
    }

    @Test
    void statusFilterKeepsOrderAndPaging() {
        String u = user();
        List<String> running = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Job j = created(u, i);
            if (i % 3 == 0) {
                store.updateStatus(j.id(), JobStatus.RUNNING, at(50));
                running.add(0, j.id());
            }
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            JobPage page = store.findByUserId(u, Set.of(JobStatus.RUNNING), 3, cursor);
            page.jobs().forEach(j -> {
                assertEquals(JobStatus.RUNNING, j.status());
                seen.add(j.id());
            });
            cursor = page.nextCursor();
        } while (cursor != null);
        assertEquals(running, seen);
        assertEquals(8, store.findByUserId(u, Set.of(JobStatus.QUEUED), 100, null).jobs().size());
    }

    @Test
    void listShowsOnlyTheUsersOwnJobs() {
        String a = user();
        String b = user();
        created(a, 0);
        created(b, 1);
        assertTrue(store.findByUserId(a, Set.of(), 10, null).jobs().stream().allMatch(j -> j.userId().equals(a)));
        assertEquals(0, store.findByUserId(user(), Set.of(), 10, null).jobs().size());
    }

    @Test
    void foreignCursorsAreRejected() {
        assertThrows(InvalidCursorException.class, () -> store.findByUserId(user(), Set.of(), 10, "not-a-cursor"));
        assertThrows(InvalidCursorException.class, () -> store.findByUserId(user(), Set.of(), 10, "%%%"));
        assertThrows(InvalidCursorException.class, () -> store.findByUserId(user(), Set.of(), 10, "djE6eDp5"));
    }

    // ---- transitions --------------------------------------------------------------------------

    @Test
    @Tag(SmokeSubset.TAG)
    void walksTheHappyPathAndStampsTimes() {
        Job j = created(user(), 0);
        TransitionResult r = store.transition(Transition.of(j.id(), at(10)).status(JobStatus.RUNNING).returnJob().build());
        assertTrue(r.applied());
        assertEquals(JobStatus.QUEUED, r.previousStatus());
        assertEquals(at(10), r.job().startedAt());
        assertTrue(store.updateStatus(j.id(), JobStatus.FINALIZING, at(20)).applied());
        TransitionResult done = store.transition(Transition.of(j.id(), at(30)).status(JobStatus.SUCCEEDED)
                .artifacts(List.of(new JobArtifact("artifacts/u/j/1/9/a.png", "a.png", "image/png", 123))).returnJob().build());
        assertTrue(done.becameTerminal());
        Job after = store.findById(j.id()).orElseThrow();
        assertEquals(JobStatus.SUCCEEDED, after.status());
        assertEquals(1.0, after.progress());
        assertEquals(at(30), after.finishedAt());
        assertEquals(at(10), after.startedAt());
        assertEquals(1, after.artifacts().size());
        assertEquals(after, done.job());
    }

    @Test
    void terminalJobsNeverChangeAgain() {
        Job j = created(user(), 0);
        assertTrue(store.updateStatus(j.id(), JobStatus.FAILED, at(1)).applied());
        Job failed = store.findById(j.id()).orElseThrow();
        for (JobStatus s : JobStatus.values()) {
            assertEquals(TransitionOutcome.STATUS_CONFLICT, store.updateStatus(j.id(), s, at(2)).outcome(), s.wire());
        }
        assertEquals(TransitionOutcome.STATUS_CONFLICT, store.updateProgress(j.id(), 1, 0.9, at(2)).outcome());
        assertFalse(store.refreshHeartbeat(j.id(), 1, at(3)));
        assertEquals(failed, store.findById(j.id()).orElseThrow());
    }

    // ---- the graph sent, and deleted artifacts -------------------------------------------------

    @Test
    void theGraphSentIsKeptPerAttempt() {
        SentGraph first = new SentGraph(1, "a1".repeat(32));
        Job j = store.create(newJob(queued(user(), at(0)).toBuilder().sentGraph(first).build())).job();
        assertEquals(first, store.findById(j.id()).orElseThrow().sentGraph());
        store.transition(Transition.of(j.id(), at(1)).expectAttempt(1).requeue(2, "http://comfy-2:8188", j.id() + "_2").build());
        assertEquals(first, store.findById(j.id()).orElseThrow().sentGraph(), "a requeue leaves it, naming the attempt it was for");
        SentGraph second = new SentGraph(2, "b2".repeat(32));
        TransitionResult r = store.transition(Transition.of(j.id(), at(2)).expectAttempt(2).sentGraph(second).returnJob().build());
        assertEquals(second, r.job().sentGraph());
        store.updateStatus(j.id(), JobStatus.FAILED, at(3));
        assertEquals(second, store.findById(j.id()).orElseThrow().sentGraph());
    }

    @Test
    void aLiveJobRefusesTheMarkOfDeletedArtifacts() {
        Job j = created(user(), 0);
        for (JobStatus live : List.of(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FINALIZING)) {
            store.updateStatus(j.id(), live, at(1));
            Job before = store.findById(j.id()).orElseThrow();
            assertEquals(MarkArtifactsDeletedOutcome.LIVE, store.markArtifactsDeleted(j.id()), live.wire());
            assertEquals(before, store.findById(j.id()).orElseThrow());
        }
        assertEquals(MarkArtifactsDeletedOutcome.NOT_FOUND, store.markArtifactsDeleted("no-such-job"));
    }

    @Test
    void anEndedJobTakesTheMarkAndLosesNothingButItsArtifactList() {
        String u = user();
        Job j = created(u, 0);
        store.updateStatus(j.id(), JobStatus.FINALIZING, at(10));
        store.transition(Transition.of(j.id(), at(20)).status(JobStatus.SUCCEEDED)
                .artifacts(List.of(new JobArtifact("artifacts/u/j/1/9/a.png", "a.png", "image/png", 123))).build());
        Job ended = store.findById(j.id()).orElseThrow();
        Map<JobStatus, Long> counts = store.countByStatus();

        assertEquals(MarkArtifactsDeletedOutcome.MARKED, store.markArtifactsDeleted(j.id()));

        Job marked = store.findById(j.id()).orElseThrow();
        assertEquals(ended.toBuilder().artifacts(List.of()).artifactsDeleted(true).build(), marked,
                "status, times and everything else as they were");
        assertEquals(MarkArtifactsDeletedOutcome.MARKED, store.markArtifactsDeleted(j.id()), "asked again: the same answer");
        assertEquals(marked, store.findById(j.id()).orElseThrow());
        assertEquals(counts, store.countByStatus());
        assertEquals(List.of(marked), store.findByUserId(u, Set.of(JobStatus.SUCCEEDED), 10, null).jobs());
        assertEquals(TransitionOutcome.STATUS_CONFLICT, store.updateStatus(j.id(), JobStatus.RUNNING, at(30)).outcome(),
                "still a terminal job that refuses every transition");
    }

    @Test
    void aMarkedJobIsPurgedWhenItsRetentionEndsAsAnyOther() {
        Job j = created(user(), 0);
        store.updateStatus(j.id(), JobStatus.FAILED, at(10));
        store.markArtifactsDeleted(j.id());
        int early = 0;
        int due = 0;
        for (int s = 0; s < store.shardCount(); s++) {
            early += store.purge(s, at(9), 100).purgedJobs();
        }
        assertTrue(store.findById(j.id()).isPresent());
        for (int s = 0; s < store.shardCount(); s++) {
            due += store.purge(s, at(11), 100).purgedJobs();
        }
        assertEquals(0, early);
        assertEquals(1, due);
        assertTrue(store.findById(j.id()).isEmpty());
    }

    @Test
    void transitionsOutsideTheRulesAreConflicts() {
        Job j = created(user(), 0);
        assertEquals(TransitionOutcome.STATUS_CONFLICT, store.updateStatus(j.id(), JobStatus.SUCCEEDED, at(1)).outcome());
        store.updateStatus(j.id(), JobStatus.FINALIZING, at(2));
        assertEquals(TransitionOutcome.STATUS_CONFLICT, store.updateStatus(j.id(), JobStatus.RUNNING, at(3)).outcome());
        assertEquals(TransitionOutcome.STATUS_CONFLICT, store.updateStatus(j.id(), JobStatus.CANCELED, at(3)).outcome());
        assertEquals(JobStatus.FINALIZING, store.findById(j.id()).orElseThrow().status());
    }

    @Test
    void sameStatusIsNotAConflictAndStillAppliesTheRest() {
        Job j = created(user(), 0);
        store.updateStatus(j.id(), JobStatus.RUNNING, at(1));
        TransitionResult r = store.transition(Transition.of(j.id(), at(2)).status(JobStatus.RUNNING).progress(0.25).build());
        assertTrue(r.applied());
        assertFalse(r.statusChanged());
        assertEquals(0.25, store.findById(j.id()).orElseThrow().progress());
    }

    @Test
    void expectedStatusGuard() {
        Job j = created(user(), 0);
        TransitionResult r = store.transition(Transition.of(j.id(), at(1)).expectStatus(JobStatus.RUNNING).progress(0.5).build());
        assertEquals(TransitionOutcome.STATUS_CONFLICT, r.outcome());
        assertEquals(0.0, store.findById(j.id()).orElseThrow().progress());
    }

    @Test
    void eventsOfASupersededAttemptChangeNothing() {
        Job j = created(user(), 0);
        store.updateStatus(j.id(), JobStatus.RUNNING, at(1));
        assertTrue(store.transition(Transition.of(j.id(), at(2)).expectAttempt(1)
                .requeue(2, "http://comfy-2:8188", j.id() + "_2").build()).applied());
        TransitionResult late = store.transition(Transition.of(j.id(), at(3)).expectAttempt(1)
                .status(JobStatus.FINALIZING).build());
        assertEquals(TransitionOutcome.WRONG_ATTEMPT, late.outcome());
        assertEquals(2, late.attempt());
        Job after = store.findById(j.id()).orElseThrow();
        assertEquals(JobStatus.QUEUED, after.status());
        assertEquals(2, after.attempt());
    }

    @Test
    void requeueStartsTheNextAttemptFromScratch() {
        Job j = created(user(), 0);
        store.transition(Transition.of(j.id(), at(1)).markSubmitted().build());
        store.transition(Transition.of(j.id(), at(2)).status(JobStatus.RUNNING)
                .graph(GraphUpdate.running("3", 10, 20))
                .addOutputs(List.of(new JobOutput("9", "ComfyUI_00001_.png", "", "output")), MAX_OUTPUTS).build());
        TransitionResult r = store.transition(Transition.of(j.id(), at(3)).expectAttempt(1)
                .requeue(2, "http://comfy-2:8188", j.id() + "_2").returnJob().build());
        Job after = r.job();
        assertEquals(JobStatus.QUEUED, after.status());
        assertEquals(2, after.attempt());
        assertEquals("http://comfy-2:8188", after.comfyServer());
        assertEquals(j.id() + "_2", after.promptId());
        assertEquals(0.0, after.progress());
        assertNull(after.currentNode());
        assertNull(after.step());
        assertNull(after.submittedAt());
        assertNull(after.startedAt());
        assertTrue(after.outputs().isEmpty());
        assertTrue(after.finishedNodes().isEmpty());
        assertEquals(after, store.findById(j.id()).orElseThrow());

        store.updateStatus(j.id(), JobStatus.FINALIZING, at(4));
        assertEquals(TransitionOutcome.CHANGED, store.transition(Transition.of(j.id(), at(5)).expectUnchangedSince(at(3))
                .requeue(3, "http://comfy-1:8188", j.id() + "_3").build()).outcome(), "a read from before it finished decides nothing");
        assertEquals(TransitionOutcome.APPLIED, store.transition(Transition.of(j.id(), at(5)).expectUnchangedSince(at(4))
                .requeue(3, "http://comfy-1:8188", j.id() + "_3").build()).outcome(), "finished, but ComfyUI forgot its outputs: run again");
        store.updateStatus(j.id(), JobStatus.FINALIZING, at(6));
        store.updateStatus(j.id(), JobStatus.SUCCEEDED, at(7));
        assertEquals(TransitionOutcome.STATUS_CONFLICT, store.transition(Transition.of(j.id(), at(8))
                .requeue(4, "http://comfy-1:8188", j.id() + "_4").build()).outcome(), "a succeeded job is never resubmitted");
    }

    @Test
    void progressNeverGoesDown() {
        Job j = created(user(), 0);
        store.updateProgress(j.id(), 1, 0.6, at(1));
        assertTrue(store.updateProgress(j.id(), 1, 0.3, at(2)).applied());
        assertEquals(0.6, store.findById(j.id()).orElseThrow().progress());
        store.updateProgress(j.id(), 1, 0.7, at(3));
        assertEquals(0.7, store.findById(j.id()).orElseThrow().progress());
        // kept to six decimals: 0.506994 x 10^6 is 506993.99999999994 in binary, so cutting it again would lose a millionth
        Job other = created(user(), 0);
        store.updateProgress(other.id(), 1, 0.506994, at(4));
        assertEquals(0.506994, store.findById(other.id()).orElseThrow().progress());
        assertTrue(store.updateProgress(other.id(), 1, 0.2, at(5)).applied());
        assertEquals(0.506994, store.findById(other.id()).orElseThrow().progress(), "an event below the stored progress leaves it as it is");
    }

    @Test
    void graphProgressFollowsComfyUisFractionWithoutCachedNodes() {
        Job j = created(user(), 0);
        // seven nodes, two cached: five to run
        store.transition(Transition.of(j.id(), at(1)).status(JobStatus.RUNNING).graph(GraphUpdate.cached(List.of("4", "6"))).build());
        store.transition(Transition.of(j.id(), at(2)).graph(GraphUpdate.executing("5")).build());
        store.transition(Transition.of(j.id(), at(3)).graph(GraphUpdate.executing("7")).build());
        store.transition(Transition.of(j.id(), at(4)).graph(GraphUpdate.executing("3")).build());
        Job mid = store.transition(Transition.of(j.id(), at(5)).graph(GraphUpdate.running("3", 10, 20)).returnJob().build()).job();
        assertEquals((2 + 0.5) / 5, mid.progress(), 1e-6);
        assertEquals("3", mid.currentNode());
        assertEquals(new Step(10, 20), mid.step());
        // a repeated and a reordered (older) report change nothing
        store.transition(Transition.of(j.id(), at(6)).graph(GraphUpdate.running("3", 5, 20)).build());
        store.transition(Transition.of(j.id(), at(6)).graph(GraphUpdate.executing("5")).build());
        assertEquals((2 + 0.5) / 5, store.findById(j.id()).orElseThrow().progress(), 1e-6);
        assertEquals(new Step(10, 20), store.findById(j.id()).orElseThrow().step());

        store.transition(Transition.of(j.id(), at(7)).graph(GraphUpdate.finished(List.of("3", "8"))).build());
        Job end = store.transition(Transition.of(j.id(), at(8)).graph(GraphUpdate.finished(List.of("9"))).returnJob().build()).job();
        assertEquals(1.0, end.progress(), 1e-6);
    }

    @Test
    void executingNullEndsTheCurrentNode() {
        Job j = created(user(), 0);
        store.transition(Transition.of(j.id(), at(1)).graph(GraphUpdate.executing("9")).build());
        Job after = store.transition(Transition.of(j.id(), at(2)).graph(GraphUpdate.executing(null)).returnJob().build()).job();
        assertNull(after.currentNode());
        assertEquals(List.of("9"), after.finishedNodes());
    }

    @Test
    void outputsMergeWithoutDuplicates() {
        Job j = created(user(), 0);
        JobOutput a = new JobOutput("9", "ComfyUI_00001_.png", "", "output");
        JobOutput b = new JobOutput("10", "ComfyUI_temp_00001_.png", "", "temp");
        store.transition(Transition.of(j.id(), at(1)).addOutputs(List.of(a), MAX_OUTPUTS).build());
        store.transition(Transition.of(j.id(), at(2)).addOutputs(List.of(a, b), MAX_OUTPUTS).build());
        assertEquals(List.of(a, b), store.findById(j.id()).orElseThrow().outputs());
    }

    @Test
    void outputsBeyondTheCapFailTheJobAndAreNotStored() {
        Job j = created(user(), 0);
        List<JobOutput> three = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            three.add(new JobOutput("9", "ComfyUI_0000" + i + "_.png", "", "output"));
        }
        assertTrue(store.transition(Transition.of(j.id(), at(1)).status(JobStatus.RUNNING).addOutputs(three.subList(0, 2), 3).build()).applied());
        assertTrue(store.transition(Transition.of(j.id(), at(2)).addOutputs(three, 3).build()).applied(), "repeats do not count");
        TransitionResult over = store.transition(Transition.of(j.id(), at(3))
                .addOutputs(List.of(new JobOutput("9", "ComfyUI_00004_.png", "", "output")), 3).returnJob().build());
        assertTrue(over.becameTerminal());
        assertEquals(JobStatus.FAILED, over.job().status());
        assertEquals(JobError.tooManyOutputs(3), over.job().error());
        assertEquals(three, over.job().outputs(), "the outputs that overflowed are not stored");

        Job wide = created(user(), 0);
        String name = "x".repeat(100 * 1024);
        assertTrue(store.transition(Transition.of(wide.id(), at(1)).addOutputs(List.of(new JobOutput("9", name + "1", "", "output"),
                new JobOutput("9", name + "2", "", "output")), MAX_OUTPUTS).build()).applied());
        TransitionResult overBytes = store.transition(Transition.of(wide.id(), at(2))
                .addOutputs(List.of(new JobOutput("9", name + "3", "", "output")), MAX_OUTPUTS).returnJob().build());
        assertEquals(JobError.TOO_MANY_OUTPUTS, overBytes.job().error().type(), "the stored list has a byte cap as well");
        assertEquals(2, overBytes.job().outputs().size());
        Transition tooLargeAlone = Transition.of(wide.id(), at(3)).addOutputs(List.of(new JobOutput("9", "y".repeat(300 * 1024), "", "output")),
                MAX_OUTPUTS).build();
        assertTrue(tooLargeAlone.addOutputs().isEmpty(), "a list over the cap by itself never reaches the store");
        assertEquals(JobStatus.FAILED, tooLargeAlone.status());
    }

    @Test
    @Tag(SmokeSubset.TAG)
    void anEventIdIsAppliedAtMostOnce() {
        Job j = created(user(), 0);
        Transition t = Transition.of(j.id(), at(1)).eventId("msg_1:0", EVENT_TTL).progress(0.2).build();
        assertTrue(store.transition(t).applied());
        TransitionResult again = store.transition(Transition.of(j.id(), at(2)).eventId("msg_1:0", EVENT_TTL).progress(0.9).build());
        assertEquals(TransitionOutcome.DUPLICATE_EVENT, again.outcome());
        assertEquals(0.2, store.findById(j.id()).orElseThrow().progress());
        assertTrue(store.transition(Transition.of(j.id(), at(3)).eventId("msg_1:1", EVENT_TTL).progress(0.3).build()).applied());
    }

    @Test
    void numberedEventIdsAreAppliedOnceInAnyOrderAndRefusedAfterTheJobEnded() {
        Job j = created(user(), 0);
        List<Integer> order = List.of(5, 3, 4, 9, 1, 2, 8, 6, 7, 12);
        for (int n : order) {
            assertTrue(store.transition(Transition.of(j.id(), at(n)).eventId("msg_s3nd3r_" + n + ":0", EVENT_TTL).progress(n / 100.0).build())
                    .applied(), "event " + n);
        }
        for (int n : order) {
            assertEquals(TransitionOutcome.DUPLICATE_EVENT, store.transition(Transition.of(j.id(), at(20))
                    .eventId("msg_s3nd3r_" + n + ":0", EVENT_TTL).progress(0.9).build()).outcome(), "replay of " + n);
        }
        assertEquals(0.12, store.findById(j.id()).orElseThrow().progress());
        for (String other : List.of("msg_s3nd3r_10:0", "msg_s3nd3r_5:1", "msg_other_5:0", "msg_s3nd3r_05:0", "msg_s3nd3r5:0", "msg_s3nd3r_5")) {
            assertTrue(store.transition(Transition.of(j.id(), at(21)).eventId(other, EVENT_TTL).build()).applied(), other + " is another event");
        }
        assertTrue(store.transition(Transition.of(j.id(), at(22)).eventId("msg_s3nd3r_13:0", EVENT_TTL).status(JobStatus.FAILED).build()).applied());
        for (String replay : List.of("msg_s3nd3r_13:0", "msg_s3nd3r_1:0", "msg_s3nd3r_5")) {
            assertEquals(TransitionOutcome.DUPLICATE_EVENT, store.transition(Transition.of(j.id(), at(23)).eventId(replay, EVENT_TTL)
                    .status(JobStatus.FAILED).build()).outcome(), "replay of " + replay + " after the end");
        }
        assertTrue(store.transition(Transition.of(j.id(), at(24)).eventId("msg_s3nd3r_11:0", EVENT_TTL).build()).outcome()
                != TransitionOutcome.DUPLICATE_EVENT, "a number never seen is no replay");
    }

    @Test
    void interruptedBecomesCanceledOnlyWhenCancelWasRequested() {
        Job asked = created(user(), 0);
        Job notAsked = created(user(), 0);
        store.transition(Transition.of(asked.id(), at(1)).requestCancel().build());
        JobError interrupted = JobError.of("interrupted", "interrupted on ComfyUI");
        for (Job j : List.of(asked, notAsked)) {
            store.transition(Transition.of(j.id(), at(2)).status(JobStatus.FAILED)
                    .statusIfCancelRequested(JobStatus.CANCELED).error(interrupted).build());
        }
        Job a = store.findById(asked.id()).orElseThrow();
        assertEquals(JobStatus.CANCELED, a.status());
        assertTrue(a.cancelRequested());
        assertNull(a.error());
        Job b = store.findById(notAsked.id()).orElseThrow();
        assertEquals(JobStatus.FAILED, b.status());
        assertEquals(interrupted, b.error());
    }

    @Test
    @Tag(SmokeSubset.TAG)
    void leasesBelongToTheirOwnerAndExpire() {
        Job j = created(user(), 0);
        assertTrue(store.transition(Transition.of(j.id(), at(1)).acquireLease("a", at(31)).build()).applied());
        assertEquals(TransitionOutcome.LEASE_HELD, store.transition(Transition.of(j.id(), at(10)).acquireLease("b", at(40)).build()).outcome());
        assertTrue(store.transition(Transition.of(j.id(), at(11)).acquireLease("a", at(41)).build()).applied(), "the owner extends its own");
        assertEquals(TransitionOutcome.LEASE_LOST, store.transition(Transition.of(j.id(), at(12)).underLease("b").releaseLease().build()).outcome());
        assertTrue(store.transition(Transition.of(j.id(), at(42)).acquireLease("b", at(70)).build()).applied(), "expired lease");
        Job taken = store.findById(j.id()).orElseThrow();
        assertEquals("b", taken.leaseOwner());
        assertEquals(at(70), taken.leaseUntil());

        assertEquals(TransitionOutcome.LEASE_LOST, store.transition(Transition.of(j.id(), at(43)).underLease("a").markSubmitted().build()).outcome(),
                "a worker whose lease ran out writes nothing");
        assertEquals(TransitionOutcome.LEASE_LOST, store.transition(Transition.of(j.id(), at(44)).underLease("a").releaseLease().build()).outcome());
        assertEquals(taken.leaseOwner(), store.findById(j.id()).orElseThrow().leaseOwner(), "nor frees the lease of another");
        assertNull(store.findById(j.id()).orElseThrow().submittedAt());

        Job after = store.transition(Transition.of(j.id(), at(45)).underLease("b").markSubmitted().returnJob().build()).job();
        assertNull(after.leaseUntil());
        assertNull(after.leaseOwner());
        assertEquals(at(45), after.submittedAt());
        assertEquals(TransitionOutcome.LEASE_LOST, store.transition(Transition.of(j.id(), at(46)).underLease("b").releaseLease().build()).outcome(),
                "a released lease is no longer held");
    }

    @Test
    void anyNewsFromComfyUiCountsAsSubmitted() {
        Job j = created(user(), 0);
        assertTrue(store.transition(Transition.of(j.id(), at(1)).acquireLease("a", at(31)).build()).applied());
        Job seen = store.transition(Transition.of(j.id(), at(2)).graph(GraphUpdate.executing("4")).observed().returnJob().build()).job();
        assertEquals(at(2), seen.submittedAt());
        assertEquals("a", seen.leaseOwner(), "the dispatcher's lease is its own to release");
        Job again = store.transition(Transition.of(j.id(), at(3)).status(JobStatus.RUNNING).observed().returnJob().build()).job();
        assertEquals(at(2), again.submittedAt(), "the first sign counts");
        assertNull(again.leaseOwner(), "a job ComfyUI started is dispatched by nobody: its dispatch lease ends");
        assertNull(again.leaseUntil());
    }

    @Test
    @Tag(SmokeSubset.TAG)
    void aTransitionSentTwiceIsAppliedOnce() {
        Job j = created(user(), 0);
        Transition requeue = Transition.of(j.id(), at(1)).expectAttempt(1).requeue(2, "http://comfy-2:8188", j.id() + "_2")
                .acquireLease("w", at(31)).returnJob().build();
        assertTrue(store.transition(requeue).applied());
        TransitionResult replayed = store.transition(requeue);
        assertEquals(TransitionOutcome.APPLIED, replayed.outcome(), "the same write sent again (a lost reply) is recognised");
        assertEquals(2, replayed.job().attempt());
        assertEquals(JobStatus.QUEUED, replayed.job().status());

        Transition progress = Transition.of(j.id(), at(2)).graph(GraphUpdate.finished(List.of("4"))).build();
        assertTrue(store.transition(progress).applied());
        Job once = store.findById(j.id()).orElseThrow();
        assertTrue(store.transition(progress).applied());
        assertEquals(once, store.findById(j.id()).orElseThrow(), "and changes nothing the second time");
        assertEquals(TransitionOutcome.WRONG_ATTEMPT, store.transition(Transition.of(j.id(), at(3)).expectAttempt(1)
                .requeue(2, "http://comfy-2:8188", j.id() + "_2").build()).outcome(), "another write with the same content is judged anew");
    }

    @Test
    void changesSentTogetherApplyEachAsIfAloneAndAnswerInOrder() {
        String u = user();
        Job ends = store.create(new NewJob(queued(u, at(0)), JobFixtures.defaultWorkflow(), 2, null)).job();
        Job movedOn = store.create(new NewJob(queued(u, at(0)), JobFixtures.defaultWorkflow(), 2, null)).job();
        Job refreshed = created(user(), 0);
        store.transition(Transition.of(movedOn.id(), at(1)).status(JobStatus.RUNNING).build());

        List<TransitionResult> r = store.transitionAll(List.of(
                Transition.of(ends.id(), at(2)).expectUnchangedSince(ends.updatedAt()).status(JobStatus.FAILED).returnJob().build(),
                Transition.of(movedOn.id(), at(2)).expectUnchangedSince(movedOn.updatedAt()).status(JobStatus.FAILED).build(),
                Transition.of("no-such-job", at(2)).status(JobStatus.FAILED).build(),
                Transition.of(refreshed.id(), at(2)).expectAttempt(1).expectStatus(JobStatus.live()).build()));

        assertEquals(List.of(TransitionOutcome.APPLIED, TransitionOutcome.CHANGED, TransitionOutcome.NOT_FOUND, TransitionOutcome.APPLIED),
                r.stream().map(TransitionResult::outcome).toList());
        assertTrue(r.get(0).becameTerminal());
        assertEquals(JobStatus.FAILED, r.get(0).job().status());
        assertEquals(JobStatus.RUNNING, store.findById(movedOn.id()).orElseThrow().status(), "the refused one is left as it was");
        assertEquals(at(2), store.findById(refreshed.id()).orElseThrow().heartbeatAt());
        assertEquals(1, store.countActiveByUserId(u), "the job that ended left its user's live index");
        assertEquals(CreateResult.Outcome.CREATED, store.create(new NewJob(queued(u, at(3)), JobFixtures.defaultWorkflow(), 2, null)).outcome());
        assertEquals(List.of(), store.transitionAll(List.of()));
    }

    @Test
    void aFinishedJobKeepsTheDigestOfItsWorkflowButNotTheWorkflow() {
        Job j = created(user(), 0);
        assertTrue(store.findWorkflow(j.id()).isPresent());
        store.updateStatus(j.id(), JobStatus.FAILED, at(1));
        assertTrue(store.findWorkflow(j.id()).isEmpty());
        Job after = store.findById(j.id()).orElseThrow();
        assertEquals(JobFixtures.defaultWorkflow().sha256(), after.workflowSha256());
        assertEquals(JobFixtures.defaultWorkflow().bytes(), after.workflowBytes());
    }

    @Test
    void decisionsOnAnOutdatedReadAreRefused() {
        Job read = created(user(), 0);
        store.transition(Transition.of(read.id(), at(5)).status(JobStatus.RUNNING).progress(0.1).build());
        TransitionResult r = store.transition(Transition.of(read.id(), at(6)).expectUnchangedSince(read.updatedAt())
                .requeue(2, "http://comfy-2:8188", read.id() + "_2").build());
        assertEquals(TransitionOutcome.CHANGED, r.outcome());
        Job now = store.findById(read.id()).orElseThrow();
        assertEquals(1, now.attempt());
        assertTrue(store.transition(Transition.of(read.id(), at(7)).expectUnchangedSince(now.updatedAt())
                .status(JobStatus.FAILED).build()).applied());
    }

    @Test
    void errorKeepsComfyUisDetails() {
        Job j = created(user(), 0);
        var details = new ObjectMapper().createObjectNode();
        details.putObject("node_errors").putObject("4").put("class_type", "CheckpointLoaderSimple");
        JobError e = new JobError("execution_error", "CUDA out of memory", "3", "KSampler", details.toString());
        store.transition(Transition.of(j.id(), at(1)).status(JobStatus.FAILED).error(e).build());
        assertEquals(e, store.findById(j.id()).orElseThrow().error());
    }

    @Test
    void partialUpdateChangesOnlyWhatItNames() {
        Job j = created(user(), 0);
        String meta = new ObjectMapper().createObjectNode().put("x", 1).toString();
        assertTrue(store.update(j.id(), "char-9", meta, at(1)).applied());
        Job after = store.findById(j.id()).orElseThrow();
        assertEquals("char-9", after.characterId());
        assertEquals(meta, after.metadataJson());
        assertEquals(j.status(), after.status());
        assertEquals(at(1), after.updatedAt());
    }

    // ---- callbacks ---------------------------------------------------------------------------------

    private static final String HOOK = "https://receiver.example/hooks/jobs";

    private Job withWebhook(long second, String... events) {
        Job job = queued(user(), at(second)).toBuilder()
                .webhook(new Webhook(HOOK, events.length == 0 ? Webhook.TERMINAL_EVENTS : List.of(events))).build();
        assertEquals(CreateResult.Outcome.CREATED, store.create(newJob(job)).outcome());
        return job;
    }

    private Callbacks callbacksOf(Job job) {
        return store.findById(job.id()).orElseThrow().callbacks();
    }

    private Instant leaseEnd(long second) {
        return at(second).plusSeconds(30);
    }

    @Test
    void aJobsWebhookReadsBackAndStartsWithNothingToSend() {
        Job job = withWebhook(0, "job.succeeded", "job.progress", "job.failed");
        Job stored = store.findById(job.id()).orElseThrow();
        assertEquals(new Webhook(HOOK, List.of("job.failed", "job.progress", "job.succeeded")), stored.webhook());
        assertEquals(Callbacks.NONE, stored.callbacks());
        assertNull(stored.callbacks().status());
        assertTrue(store.earliestCallbackDue(store.shardOf(job.id())).isEmpty());
        Job plain = created(user(), 0);
        assertNull(store.findById(plain.id()).orElseThrow().callbacks(), "a job without a webhook has no callbacks");
    }

    @Test
    @Tag(SmokeSubset.TAG)
    void theEndEnqueuesItsDeliveryInTheSameWrite() {
        Job job = withWebhook(0);
        assertTrue(store.updateStatus(job.id(), JobStatus.FAILED, at(5)).applied());
        CallbackDelivery d = callbacksOf(job).pending();
        assertEquals(new CallbackDelivery(CallbackDelivery.idOf(job.id(), 1), "job.failed", at(5), at(5), 0, null), d);
        assertEquals(CallbackStatus.PENDING, callbacksOf(job).status());
        assertEquals(Optional.of(at(5)), store.earliestCallbackDue(store.shardOf(job.id())));
    }

    @Test
    void anEndTheWebhookDoesNotWantEnqueuesNothing() {
        Job job = withWebhook(0, "job.succeeded");
        store.updateStatus(job.id(), JobStatus.CANCELED, at(5));
        assertEquals(Callbacks.NONE, callbacksOf(job));
        assertTrue(store.earliestCallbackDue(store.shardOf(job.id())).isEmpty());
    }

    @Test
    void aNewerProgressReplacesAWaitingOneAndKeepsItsDueTime() {
        Job job = withWebhook(0, "job.progress", "job.succeeded");
        store.updateProgress(job.id(), 1, 0.2, at(1));
        assertEquals(new CallbackDelivery(CallbackDelivery.idOf(job.id(), 1), "job.progress", at(1), at(1), 0, null),
                callbacksOf(job).pending());
        store.updateProgress(job.id(), 1, 0.5, at(2));
        assertEquals(new CallbackDelivery(CallbackDelivery.idOf(job.id(), 2), "job.progress", at(2), at(1), 0, null),
                callbacksOf(job).pending(), "the newest progress, a new id, the due time of the one it replaced");
        store.updateProgress(job.id(), 1, 0.4, at(3));
        store.transition(Transition.of(job.id(), at(3)).status(JobStatus.RUNNING).build());
        assertEquals(CallbackDelivery.idOf(job.id(), 2), callbacksOf(job).pending().id(), "no rise of progress, no progress callback");
    }

    @Test
    void askedForTheJobWhenActedOnATransitionGetsItOnAStatusChangeOrACallbackDueForItsFirstTryOnly() {
        Job plain = created(user(), 0);
        assertEquals(JobStatus.RUNNING, store.transition(Transition.of(plain.id(), at(1)).status(JobStatus.RUNNING).progress(0.1)
                .returnJobWhenActedOn().build()).job().status());
        TransitionResult progress = store.transition(Transition.of(plain.id(), at(2)).status(JobStatus.RUNNING).progress(0.2)
                .returnJobWhenActedOn().build());
        assertTrue(progress.applied());
        assertNull(progress.job(), "a progress nobody acts on answers without the job");

        Job hooked = withWebhook(0, "job.progress");
        int shard = store.shardOf(hooked.id());
        store.transition(Transition.of(hooked.id(), at(1)).status(JobStatus.RUNNING).build());
        TransitionResult due = store.transition(Transition.of(hooked.id(), at(1)).progress(0.1).returnJobWhenActedOn().build());
        assertEquals(0, due.job().callbacks().pending().attempts(), "its progress callback is due now: the caller tries it first");
        Job claimed = store.claimDueCallbacks(shard, at(1), 10, "sender-a", leaseEnd(1)).get(0);
        store.recordCallback(new CallbackAttempt(hooked.id(), claimed.callbacks().pending().id(), "sender-a", CallbackStatus.DELIVERED, 1,
                null, null));
        TransitionResult later = store.transition(Transition.of(hooked.id(), at(1).plusMillis(200)).progress(0.2).returnJobWhenActedOn().build());
        assertTrue(later.applied());
        assertNull(later.job(), "the next progress callback waits a second: nothing to act on now");
    }

    @Test
    void theEndDropsAWaitingProgressEvenWhenTheEndIsNotWanted() {
        Job job = withWebhook(0, "job.progress");
        store.updateProgress(job.id(), 1, 0.3, at(1));
        assertNotNull(callbacksOf(job).pending());
        store.updateStatus(job.id(), JobStatus.CANCELED, at(2));
        assertNull(callbacksOf(job).pending(), "no progress is ever sent after the end");
        assertTrue(store.earliestCallbackDue(store.shardOf(job.id())).isEmpty());
    }

    @Test
    void aProgressIsDueASecondAfterTheLastProgressWasClaimed() {
        Job job = withWebhook(0, "job.progress");
        int shard = store.shardOf(job.id());
        store.updateProgress(job.id(), 1, 0.1, at(1));
        Job claimed = store.claimDueCallbacks(shard, at(1), 10, "sender-a", leaseEnd(1)).get(0);
        assertEquals(at(1), claimed.callbacks().progressClaimedAt());
        store.recordCallback(new CallbackAttempt(job.id(), claimed.callbacks().pending().id(), "sender-a", CallbackStatus.DELIVERED, 1,
                null, null));
        store.updateProgress(job.id(), 1, 0.2, at(1).plusMillis(200));
        assertEquals(at(2), callbacksOf(job).pending().due(), "one progress a second per job");
        assertTrue(store.claimDueCallbacks(shard, at(1).plusMillis(500), 10, "sender-a", leaseEnd(1)).isEmpty());
        store.updateProgress(job.id(), 1, 0.3, at(4));
        assertEquals(at(2), callbacksOf(job).pending().due());
        assertEquals(1, store.claimDueCallbacks(shard, at(4), 10, "sender-a", leaseEnd(4)).size());
    }

    @Test
    void aClaimHoldsTheJobsCallbacksUntilItRunsOutThenAnotherSenderTakesOver() {
        Job job = withWebhook(0);
        int shard = store.shardOf(job.id());
        store.updateStatus(job.id(), JobStatus.EXPIRED, at(1));
        List<Job> a = store.claimDueCallbacks(shard, at(1), 10, "sender-a", at(31));
        assertEquals(List.of(job.id()), a.stream().map(Job::id).toList());
        assertEquals("sender-a", a.get(0).callbacks().leaseOwner());
        assertEquals(List.of(), store.claimDueCallbacks(shard, at(2), 10, "sender-b", at(32)), "claimed: nobody else sends it");
        assertTrue(store.claimFirstCallback(job.id(), at(2), "sender-b", at(32)).isEmpty());
        assertEquals(Optional.of(at(31)), store.earliestCallbackDue(shard), "it comes due again when the claim runs out");

        List<Job> b = store.claimDueCallbacks(shard, at(31), 10, "sender-b", at(61));
        assertEquals(1, b.size(), "sender-a died: its claim ran out and sender-b takes the delivery");
        String id = CallbackDelivery.idOf(job.id(), 1);
        assertEquals(id, b.get(0).callbacks().pending().id(), "the same delivery, the same webhook-id");
        assertEquals(RecordCallbackOutcome.LEASE_LOST,
                store.recordCallback(new CallbackAttempt(job.id(), id, "sender-a", CallbackStatus.DELIVERED, 1, null, null)));
        assertEquals(CallbackStatus.PENDING, callbacksOf(job).status());
        assertEquals(RecordCallbackOutcome.RECORDED,
                store.recordCallback(new CallbackAttempt(job.id(), id, "sender-b", CallbackStatus.DELIVERED, 1, null, null)));
        Callbacks c = callbacksOf(job);
        assertEquals(CallbackStatus.DELIVERED, c.status());
        assertEquals(1, c.attempts());
        assertNull(c.leaseOwner());
        assertTrue(store.earliestCallbackDue(shard).isEmpty());
        assertEquals(RecordCallbackOutcome.LEASE_LOST,
                store.recordCallback(new CallbackAttempt(job.id(), id, "sender-b", CallbackStatus.DELIVERED, 1, null, null)),
                "recorded twice: the second finds the claim released and changes nothing");
        assertEquals(c, callbacksOf(job));
    }

    @Test
    void aRetryWaitsForItsTimeAndKeepsItsId() {
        Job job = withWebhook(0);
        int shard = store.shardOf(job.id());
        store.updateStatus(job.id(), JobStatus.FAILED, at(1));
        Job claimed = store.claimDueCallbacks(shard, at(1), 10, "sender-a", at(31)).get(0);
        String id = claimed.callbacks().pending().id();
        assertEquals(RecordCallbackOutcome.RECORDED, store.recordCallback(new CallbackAttempt(job.id(), id, "sender-a",
                CallbackStatus.PENDING, 1, "HTTP 503", at(6))));
        Callbacks c = callbacksOf(job);
        assertEquals(CallbackStatus.PENDING, c.status());
        assertEquals(1, c.attempts());
        assertEquals("HTTP 503", c.lastError());
        assertEquals(Optional.of(at(6)), store.earliestCallbackDue(shard));
        assertEquals(List.of(), store.claimDueCallbacks(shard, at(5), 10, "sender-b", at(35)));
        assertTrue(store.claimFirstCallback(job.id(), at(6), "sender-b", at(36)).isEmpty(), "a retry is the schedule's, not a first try");
        Job again = store.claimDueCallbacks(shard, at(6), 10, "sender-b", at(36)).get(0);
        assertEquals(id, again.callbacks().pending().id());
        store.recordCallback(new CallbackAttempt(job.id(), id, "sender-b", CallbackStatus.FAILED, 2, "HTTP 500", null));
        c = callbacksOf(job);
        assertEquals(CallbackStatus.FAILED, c.status());
        assertEquals(2, c.attempts());
        assertEquals("HTTP 500", c.lastError());
        assertTrue(store.earliestCallbackDue(shard).isEmpty());
    }

    @Test
    void aDeliveryReplacedWhileItIsSentLeavesItsReplacementWaitingForTheSender() {
        Job job = withWebhook(0, "job.progress", "job.failed");
        int shard = store.shardOf(job.id());
        store.updateProgress(job.id(), 1, 0.5, at(1));
        String progress = store.claimDueCallbacks(shard, at(1), 10, "sender-a", at(31)).get(0).callbacks().pending().id();
        store.updateStatus(job.id(), JobStatus.FAILED, at(2));
        Callbacks c = callbacksOf(job);
        assertEquals("job.failed", c.pending().event());
        assertEquals("sender-a", c.leaseOwner(), "the end waits until the progress in flight is answered");
        assertTrue(store.claimFirstCallback(job.id(), at(2), "sender-b", at(32)).isEmpty());
        assertEquals(List.of(), store.claimDueCallbacks(shard, at(2), 10, "sender-b", at(32)));
        assertEquals(RecordCallbackOutcome.SUPERSEDED, store.recordCallback(new CallbackAttempt(job.id(), progress, "sender-a",
                CallbackStatus.DELIVERED, 1, null, null)));
        assertEquals(Optional.of(at(2)), store.earliestCallbackDue(shard));
        Job end = store.claimFirstCallback(job.id(), at(3), "sender-b", at(33)).orElseThrow();
        assertEquals(CallbackDelivery.idOf(job.id(), 2), end.callbacks().pending().id());
    }

    @Test
    void aJobWhoseReceiverAnswered410EnqueuesNothingMore() {
        Job job = withWebhook(0, "job.progress", "job.failed");
        int shard = store.shardOf(job.id());
        store.updateProgress(job.id(), 1, 0.1, at(1));
        String id = store.claimDueCallbacks(shard, at(1), 10, "sender-a", at(31)).get(0).callbacks().pending().id();
        store.recordCallback(new CallbackAttempt(job.id(), id, "sender-a", CallbackStatus.STOPPED, 1, "HTTP 410", null));
        store.updateProgress(job.id(), 1, 0.6, at(2));
        store.updateStatus(job.id(), JobStatus.FAILED, at(3));
        Callbacks c = callbacksOf(job);
        assertEquals(CallbackStatus.STOPPED, c.status());
        assertNull(c.pending());
        assertTrue(store.earliestCallbackDue(shard).isEmpty());
    }

    @Test
    void aTransitionSentTwiceEnqueuesItsDeliveryOnce() {
        Job job = withWebhook(0);
        Transition t = Transition.of(job.id(), at(1)).status(JobStatus.FAILED).build();
        assertTrue(store.transition(t).applied());
        assertTrue(store.transition(t).applied());
        Callbacks c = callbacksOf(job);
        assertEquals(1, c.enqueued());
        assertEquals(CallbackDelivery.idOf(job.id(), 1), c.pending().id());
    }

    @Test
    void dueDeliveriesAreClaimedEarliestFirstUpToTheLimitAndOnlyInTheirShard() {
        List<Job> jobs = new ArrayList<>();
        while (jobs.size() < 3) {
            Job j = queued(user(), at(0)).toBuilder().webhook(new Webhook(HOOK, Webhook.TERMINAL_EVENTS)).build();
            if (jobs.isEmpty() || store.shardOf(j.id()) == store.shardOf(jobs.get(0).id())) {
                store.create(newJob(j));
                jobs.add(j);
            }
        }
        int shard = store.shardOf(jobs.get(0).id());
        store.updateStatus(jobs.get(2).id(), JobStatus.FAILED, at(1));
        store.updateStatus(jobs.get(0).id(), JobStatus.FAILED, at(2));
        store.updateStatus(jobs.get(1).id(), JobStatus.FAILED, at(9));
        assertEquals(List.of(), store.claimDueCallbacks((shard + 1) % store.shardCount(), at(10), 10, "s", at(40)));
        assertEquals(List.of(jobs.get(2).id(), jobs.get(0).id()),
                store.claimDueCallbacks(shard, at(10), 2, "s", at(40)).stream().map(Job::id).toList());
        assertEquals(List.of(jobs.get(1).id()), store.claimDueCallbacks(shard, at(10), 2, "s", at(40)).stream().map(Job::id).toList());
    }

    @Test
    void aCallerHasOneSigningSecretUntilARotationKeepsThePreviousBesideTheNew() {
        String u = user();
        assertTrue(store.findWebhookSecrets(u).isEmpty());
        assertEquals(new WebhookSecrets("sealed-a", null, null), store.createWebhookSecret(u, "sealed-a"));
        assertEquals(new WebhookSecrets("sealed-a", null, null), store.createWebhookSecret(u, "sealed-b"), "first use wins, once");
        assertTrue(store.findWebhookSecrets(user()).isEmpty(), "secrets are per caller");
        assertEquals(new WebhookSecrets("sealed-c", "sealed-a", at(5)), store.rotateWebhookSecret(u, "sealed-c", at(5), "op-1"));
        assertEquals(new WebhookSecrets("sealed-c", "sealed-a", at(5)), store.rotateWebhookSecret(u, "sealed-c", at(6), "op-1"),
                "the same rotation sent again keeps the previous secret");
        assertEquals(new WebhookSecrets("sealed-d", "sealed-c", at(7)), store.rotateWebhookSecret(u, "sealed-d", at(7), "op-2"));
        assertEquals(new WebhookSecrets("sealed-d", "sealed-c", at(7)), store.findWebhookSecrets(u).orElseThrow());
        String fresh = user();
        assertEquals(new WebhookSecrets("sealed-e", null, null), store.rotateWebhookSecret(fresh, "sealed-e", at(8), "op-3"),
                "rotating before any first use makes the first secret");
    }

    // ---- counters, deletion -----------------------------------------------------------------------

    @Test
    void statusCountersFollowEveryChange() {
        Map<JobStatus, Long> before = store.countByStatus();
        String u = user();
        Job a = created(u, 0);
        Job b = created(u, 1);
        Job c = created(u, 2);
        store.updateStatus(a.id(), JobStatus.RUNNING, at(3));
        store.updateStatus(b.id(), JobStatus.RUNNING, at(3));
        store.updateStatus(b.id(), JobStatus.FAILED, at(4));
        store.delete(c.id());
        Map<JobStatus, Long> after = store.countByStatus();
        assertEquals(before.get(JobStatus.QUEUED), after.get(JobStatus.QUEUED));
        assertEquals(before.get(JobStatus.RUNNING) + 1, after.get(JobStatus.RUNNING));
        assertEquals(before.get(JobStatus.FAILED) + 1, after.get(JobStatus.FAILED));
    }

    @Test
    void deleteRemovesTheJobAndItsIndexEntries() {
        String u = user();
        Job j = created(u, 0);
        assertTrue(store.delete(j.id()));
        assertFalse(store.delete(j.id()));
        assertTrue(store.findById(j.id()).isEmpty());
        assertTrue(store.findWorkflow(j.id()).isEmpty());
        assertEquals(0, store.countByUserId(u));
        assertEquals(0, store.countActiveByUserId(u));
        assertTrue(store.findByUserId(u, Set.of(), 10, null).jobs().isEmpty());
    }

    // ---- recovery support ----------------------------------------------------------------------------

    @Test
    @Tag(SmokeSubset.TAG)
    void staleQueryReturnsLiveJobsWithOldHeartbeatsOldestFirst() {
        String u = user();
        List<Job> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            all.add(created(u, i));
        }
        store.updateStatus(all.get(0).id(), JobStatus.FAILED, at(1));
        store.refreshHeartbeat(all.get(1).id(), 1, at(100));
        Set<String> expected = Set.of(all.get(2).id(), all.get(3).id(), all.get(4).id());
        Set<String> found = new HashSet<>();
        for (int s = 0; s < store.shardCount(); s++) {
            for (Job j : store.findStale(s, at(4), null, 100).jobs()) {
                assertEquals(s, store.shardOf(j.id()));
                found.add(j.id());
            }
        }
        assertEquals(expected, found);
        int shard = store.shardOf(all.get(2).id());
        StaleBatch one = store.findStale(shard, at(1000), null, 1);
        assertEquals(1, one.jobs().size());
    }

    @Test
    void theStaleRangeIsWalkedBatchByBatchPastJobsThatStayStale() {
        String u = user();
        int shard = -1;
        List<String> ids = new ArrayList<>();
        while (ids.size() < 7) {
            Job j = queued(u, at(ids.size() < 5 ? 1 : ids.size()));
            if (shard < 0) {
                shard = store.shardOf(j.id());
            }
            if (store.shardOf(j.id()) == shard) {
                assertEquals(CreateResult.Outcome.CREATED, store.create(newJob(j)).outcome());
                ids.add(j.id());
            }
        }
        // five jobs share one heartbeat: the walk orders them by id and never repeats or skips one
        List<String> walked = new ArrayList<>();
        StaleBatch.Position after = null;
        int batches = 0;
        do {
            StaleBatch b = store.findStale(shard, at(100), after, 2);
            b.jobs().forEach(j -> walked.add(j.id()));
            after = b.next();
            batches++;
        } while (after != null);
        List<String> expected = new ArrayList<>(ids.subList(0, 5));
        expected.sort(null);
        expected.addAll(ids.subList(5, 7));
        assertEquals(expected, walked);
        assertTrue(batches <= 5, batches + " batches");
    }

    @Test
    void aShardWithAStaleJobOrOnePastRetentionIsListedAsHavingWork() {
        Job stale = created(user(), 0);
        Job ended = created(user(), 0);
        store.updateStatus(ended.id(), JobStatus.FAILED, at(10));

        assertTrue(store.shardsWithWork(at(1), at(0), at(0)).contains(store.shardOf(stale.id())));
        assertTrue(store.shardsWithWork(at(-1), at(11), at(0)).contains(store.shardOf(ended.id())));
    }

    @Test
    void heartbeatRefreshNeedsTheCurrentAttempt() {
        Job j = created(user(), 0);
        assertFalse(store.refreshHeartbeat(j.id(), 2, at(50)));
        assertTrue(store.refreshHeartbeat(j.id(), 1, at(50)));
        assertEquals(at(50), store.findById(j.id()).orElseThrow().heartbeatAt());
    }

    @Test
    @Tag(SmokeSubset.TAG)
    void purgeRemovesTerminalJobsFinishedBeforeTheCutoff() {
        String u = user();
        Job old = created(u, 0);
        Job recent = created(u, 1);
        Job live = created(u, 2);
        store.updateStatus(old.id(), JobStatus.CANCELED, at(10));
        store.updateStatus(recent.id(), JobStatus.CANCELED, at(100));
        long failedBefore = store.countByStatus().get(JobStatus.CANCELED);
        int purged = 0;
        for (int s = 0; s < store.shardCount(); s++) {
            purged += store.purge(s, at(50), 100).purgedJobs();
        }
        assertEquals(1, purged);
        assertTrue(store.findById(old.id()).isEmpty());
        assertTrue(store.findById(recent.id()).isPresent());
        assertTrue(store.findById(live.id()).isPresent());
        assertEquals(failedBefore - 1, store.countByStatus().get(JobStatus.CANCELED));
        assertEquals(Set.of(recent.id(), live.id()),
                store.findByUserId(u, Set.of(), 10, null).jobs().stream().map(Job::id).collect(Collectors.toSet()));
        assertEquals(2, store.countByUserId(u));
    }

    @Test
    void shardLocksAreExclusiveOwnedAndExpire() throws InterruptedException {
        assertTrue(store.tryLockShard(3, "run-a", Duration.ofMillis(300)));
        assertFalse(store.tryLockShard(3, "run-b", Duration.ofSeconds(5)));
        assertTrue(store.tryLockShard(3, "run-a", Duration.ofMillis(300)), "a lock sent again by its owner is still held");
        assertTrue(store.tryLockShard(4, "run-b", Duration.ofSeconds(5)), "locks are per shard");
        store.unlockShard(3, "run-b");
        assertFalse(store.tryLockShard(3, "run-b", Duration.ofSeconds(5)), "only the owner unlocks");
        store.unlockShard(3, "run-a");
        assertTrue(store.tryLockShard(3, "run-b", Duration.ofMillis(200)));
        Thread.sleep(350);
        assertTrue(store.tryLockShard(3, "run-c", Duration.ofSeconds(5)), "an expired lock is free");
    }

    @Test
    @Tag(SmokeSubset.TAG)
    void shardsSpreadJobs() {
        Set<Integer> shards = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            Job j = queued("u", at(0));
            int s = store.shardOf(j.id());
            assertTrue(s >= 0 && s < store.shardCount());
            assertEquals(s, store.shardOf(j.id()));
            shards.add(s);
        }
        assertEquals(store.shardCount(), shards.size());
        assertNotNull(store.countByStatus());
    }

    // ---- usage ------------------------------------------------------------------------------

    /** A minute before the UTC midnight after t0: jobs submitted then end on the next day. */
    private Instant beforeMidnight() {
        return t0.truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(1)).minusSeconds(60);
    }

    @Test
    void usageCountsEachJobOnceWhenSubmittedAndOnceWhenItEndsWithItsGpuTime() {
        String u = user();
        Instant d = beforeMidnight();
        LocalDate day1 = UsageDay.dayOf(d);
        LocalDate day2 = day1.plusDays(1);
        NewJob first = newJob(u, d);
        assertEquals(CreateResult.Outcome.CREATED, store.create(first).outcome());
        assertEquals(CreateResult.Outcome.CREATED, store.create(first).outcome(), "the same admission sent again");
        Job a = first.job();
        Job b = store.create(newJob(u, d)).job();
        Job c = store.create(newJob(u, d)).job();

        store.updateStatus(a.id(), JobStatus.RUNNING, d.plusSeconds(10));
        store.updateStatus(a.id(), JobStatus.FINALIZING, d.plusSeconds(70));
        Transition aEnds = Transition.of(a.id(), d.plusSeconds(80)).status(JobStatus.SUCCEEDED).build();
        assertTrue(store.transition(aEnds).becameTerminal());
        assertTrue(store.transition(aEnds).applied(), "the same terminal transition sent again");

        store.updateStatus(b.id(), JobStatus.RUNNING, d.plusSeconds(10));
        store.transition(Transition.of(b.id(), d.plusSeconds(20)).expectAttempt(1).requeue(2, "http://comfy-2:8188", b.id() + "_2").build());
        store.updateStatus(b.id(), JobStatus.RUNNING, d.plusSeconds(30));
        store.updateStatus(b.id(), JobStatus.FAILED, d.plusSeconds(75));
        assertEquals(JobStatus.FAILED, store.updateStatus(b.id(), JobStatus.FAILED, d.plusSeconds(90)).status(), "an ended job refuses");

        store.updateStatus(c.id(), JobStatus.CANCELED, d.plusSeconds(5));

        assertEquals(60_000, store.findById(a.id()).orElseThrow().gpuMillis(), "running to finalizing; finalizing is not GPU time");
        assertEquals(55_000, store.findById(b.id()).orElseThrow().gpuMillis(), "both attempts");
        assertEquals(0, store.findById(c.id()).orElseThrow().gpuMillis(), "never ran");
        assertEquals(List.of(new UsageDay(day1, 3, 0, 0, 1, 0, 0), new UsageDay(day2, 0, 1, 1, 0, 0, 115_000)),
                store.usage(u, day1.minusDays(3), day2.plusDays(3)));
        assertEquals(List.of(new UsageDay(day2, 0, 1, 1, 0, 0, 115_000)), store.usage(u, day2, day2));
        assertEquals(List.of(), store.usage(user(), day1, day2), "another user's usage is their own");
        assertEquals(0, store.countActiveByUserId(u));
    }

    @Test
    void anExpiredQueuedJobAndAFinishUnseenCountNoGpuTime() {
        String u = user();
        Job queuedOnly = created(u, 0);
        Job unseen = created(u, 0);
        store.updateStatus(queuedOnly.id(), JobStatus.EXPIRED, at(30));
        store.updateStatus(unseen.id(), JobStatus.FINALIZING, at(40));
        store.updateStatus(unseen.id(), JobStatus.SUCCEEDED, at(50));
        LocalDate day = UsageDay.dayOf(at(50));
        List<UsageDay> days = store.usage(u, UsageDay.dayOf(at(0)), day);
        UsageDay total = days.stream().reduce(UsageDay.empty(day), UsageDay::plus);
        assertEquals(2, total.submitted());
        assertEquals(1, total.expired());
        assertEquals(1, total.succeeded());
        assertEquals(0, total.gpuMillis());
    }
}
