package com.comfyjobs.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.comfyjobs.comfyui.HistoryEntry;
import com.comfyjobs.comfyui.PromptLocation.Place;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.testing.JobFixtures;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Recovery's decision table, row by row: each row is a stale job (status, submission confirmed or
 * not, cancel asked, attempt, server given or not, past its runtime or not) and, for the second
 * step, where ComfyUI says its prompt is; the expected decision follows.
 */
class ReconcilerTest {
    private static final int MAX_ATTEMPTS = 3;
    private static final Instant T = Instant.parse("2025-01-01T00:00:00Z");

    /** A stale job as recovery reads it. */
    private record Stale(JobStatus status, boolean submitted, boolean cancelRequested, int attempt, boolean hasServer) {
        Job job() {
            Job j = JobFixtures.queued("u", T);
            return j.toBuilder().status(status).submittedAt(submitted ? T : null).cancelRequested(cancelRequested)
                    .attempt(attempt).comfyServer(hasServer ? j.comfyServer() : null).build();
        }

        @Override
        public String toString() {
            return status.wire() + (submitted ? " submitted" : " unconfirmed") + (cancelRequested ? " cancel asked" : "")
                    + " attempt " + attempt + (hasServer ? "" : " no server");
        }
    }

    private static Stale stale(JobStatus status, boolean submitted, boolean cancel, int attempt, boolean hasServer) {
        return new Stale(status, submitted, cancel, attempt, hasServer);
    }

    private static Stale running() {
        return stale(JobStatus.RUNNING, true, false, 1, true);
    }

    private static Stale canceling() {
        return stale(JobStatus.RUNNING, true, true, 1, true);
    }

    private static Stale atAttempt(int attempt) {
        return stale(JobStatus.RUNNING, true, false, attempt, true);
    }

    record FirstRow(Stale job, boolean overran, Reconciler.First expected) {
        @Override
        public String toString() {
            return job + (overran ? ", overran" : "") + " -> " + expected;
        }
    }

    record ThenRow(Stale job, Place place, HistoryEntry.Outcome entry, boolean overran, Reconciler.Then expected) {
        @Override
        public String toString() {
            return job + (overran ? ", overran" : "") + ", " + place + (entry == null ? "" : " " + entry) + " -> " + expected;
        }
    }

    record GoneRow(Stale job, Reconciler.Then expected) {
        @Override
        public String toString() {
            return job + ", gone -> " + expected;
        }
    }

    static List<FirstRow> firstRows() {
        return List.of(
                // past its runtime
                new FirstRow(stale(JobStatus.FINALIZING, true, false, 1, true), true, Reconciler.First.FINISH_OVERRUN),
                new FirstRow(stale(JobStatus.QUEUED, false, false, 1, false), true, Reconciler.First.EXPIRE),
                new FirstRow(stale(JobStatus.QUEUED, false, true, 2, false), true, Reconciler.First.EXPIRE),
                new FirstRow(stale(JobStatus.QUEUED, false, false, 1, true), true, Reconciler.First.LOOK_BEFORE_EXPIRING),
                new FirstRow(stale(JobStatus.QUEUED, true, false, 1, true), true, Reconciler.First.LOOK_BEFORE_EXPIRING),
                new FirstRow(stale(JobStatus.RUNNING, true, false, 1, true), true, Reconciler.First.LOOK_BEFORE_EXPIRING),
                new FirstRow(stale(JobStatus.RUNNING, true, true, 3, true), true, Reconciler.First.LOOK_BEFORE_EXPIRING),
                // within its runtime
                new FirstRow(stale(JobStatus.FINALIZING, true, false, 1, true), false, Reconciler.First.FINISH),
                new FirstRow(stale(JobStatus.FINALIZING, true, false, 3, true), false, Reconciler.First.FINISH),
                new FirstRow(stale(JobStatus.QUEUED, false, false, 1, true), false, Reconciler.First.RESUME),
                new FirstRow(stale(JobStatus.QUEUED, false, false, 1, false), false, Reconciler.First.RESUME),
                new FirstRow(stale(JobStatus.QUEUED, false, true, 1, true), false, Reconciler.First.RESUME),
                new FirstRow(stale(JobStatus.QUEUED, true, false, 1, true), false, Reconciler.First.LOOK),
                new FirstRow(stale(JobStatus.QUEUED, true, true, 2, true), false, Reconciler.First.LOOK),
                new FirstRow(stale(JobStatus.RUNNING, true, false, 1, true), false, Reconciler.First.LOOK),
                new FirstRow(stale(JobStatus.RUNNING, true, true, 1, true), false, Reconciler.First.LOOK));
    }

    static List<ThenRow> thenRows() {
        return List.of(
                // past its runtime: only what ComfyUI finished is settled, everything else is stopped and expired
                new ThenRow(running(), Place.FINISHED, HistoryEntry.Outcome.SUCCESS, true, Reconciler.Then.SETTLE_SUCCEEDED),
                new ThenRow(running(), Place.FINISHED, HistoryEntry.Outcome.ERROR, true, Reconciler.Then.SETTLE_FAILED),
                new ThenRow(running(), Place.FINISHED, HistoryEntry.Outcome.INTERRUPTED, true, Reconciler.Then.SETTLE_INTERRUPTED),
                new ThenRow(canceling(), Place.FINISHED, HistoryEntry.Outcome.INTERRUPTED, true, Reconciler.Then.SETTLE_CANCELED),
                new ThenRow(running(), Place.FINISHED, HistoryEntry.Outcome.UNFINISHED, true, Reconciler.Then.EXPIRE),
                new ThenRow(running(), Place.RUNNING, null, true, Reconciler.Then.EXPIRE),
                new ThenRow(canceling(), Place.RUNNING, null, true, Reconciler.Then.EXPIRE),
                new ThenRow(running(), Place.PENDING, null, true, Reconciler.Then.EXPIRE),
                new ThenRow(running(), Place.ABSENT, null, true, Reconciler.Then.EXPIRE),
                new ThenRow(canceling(), Place.ABSENT, null, true, Reconciler.Then.EXPIRE),
                new ThenRow(running(), Place.UNAVAILABLE, null, true, Reconciler.Then.EXPIRE),
                new ThenRow(atAttempt(MAX_ATTEMPTS), Place.UNAVAILABLE, null, true, Reconciler.Then.EXPIRE),
                // in history
                new ThenRow(running(), Place.FINISHED, HistoryEntry.Outcome.SUCCESS, false, Reconciler.Then.SETTLE_SUCCEEDED),
                new ThenRow(canceling(), Place.FINISHED, HistoryEntry.Outcome.SUCCESS, false, Reconciler.Then.SETTLE_SUCCEEDED),
                new ThenRow(running(), Place.FINISHED, HistoryEntry.Outcome.ERROR, false, Reconciler.Then.SETTLE_FAILED),
                new ThenRow(canceling(), Place.FINISHED, HistoryEntry.Outcome.ERROR, false, Reconciler.Then.SETTLE_FAILED),
                new ThenRow(running(), Place.FINISHED, HistoryEntry.Outcome.INTERRUPTED, false, Reconciler.Then.SETTLE_INTERRUPTED),
                new ThenRow(canceling(), Place.FINISHED, HistoryEntry.Outcome.INTERRUPTED, false, Reconciler.Then.SETTLE_CANCELED),
                new ThenRow(running(), Place.FINISHED, HistoryEntry.Outcome.UNFINISHED, false, Reconciler.Then.KEEP_WAITING),
                new ThenRow(canceling(), Place.FINISHED, HistoryEntry.Outcome.UNFINISHED, false, Reconciler.Then.KEEP_WAITING),
                // in the queue
                new ThenRow(running(), Place.RUNNING, null, false, Reconciler.Then.ALIVE),
                new ThenRow(stale(JobStatus.QUEUED, true, false, 1, true), Place.RUNNING, null, false, Reconciler.Then.ALIVE),
                new ThenRow(running(), Place.PENDING, null, false, Reconciler.Then.ALIVE),
                new ThenRow(atAttempt(MAX_ATTEMPTS), Place.PENDING, null, false, Reconciler.Then.ALIVE),
                new ThenRow(canceling(), Place.RUNNING, null, false, Reconciler.Then.STOP_AND_WAIT),
                new ThenRow(canceling(), Place.PENDING, null, false, Reconciler.Then.STOP_AND_WAIT),
                // nowhere
                new ThenRow(running(), Place.ABSENT, null, false, Reconciler.Then.RESUBMIT),
                new ThenRow(atAttempt(MAX_ATTEMPTS - 1), Place.ABSENT, null, false, Reconciler.Then.RESUBMIT),
                new ThenRow(atAttempt(MAX_ATTEMPTS), Place.ABSENT, null, false, Reconciler.Then.GIVE_UP),
                new ThenRow(canceling(), Place.ABSENT, null, false, Reconciler.Then.CANCEL),
                // the server does not answer
                new ThenRow(running(), Place.UNAVAILABLE, null, false, Reconciler.Then.MOVE),
                new ThenRow(atAttempt(MAX_ATTEMPTS - 1), Place.UNAVAILABLE, null, false, Reconciler.Then.MOVE),
                new ThenRow(atAttempt(MAX_ATTEMPTS), Place.UNAVAILABLE, null, false, Reconciler.Then.WAIT_FOR_SERVER),
                new ThenRow(atAttempt(MAX_ATTEMPTS + 1), Place.UNAVAILABLE, null, false, Reconciler.Then.WAIT_FOR_SERVER),
                new ThenRow(canceling(), Place.UNAVAILABLE, null, false, Reconciler.Then.CANCEL));
    }

    static List<GoneRow> goneRows() {
        return List.of(
                new GoneRow(atAttempt(1), Reconciler.Then.RESUBMIT),
                new GoneRow(atAttempt(MAX_ATTEMPTS - 1), Reconciler.Then.RESUBMIT),
                new GoneRow(atAttempt(MAX_ATTEMPTS), Reconciler.Then.GIVE_UP),
                new GoneRow(atAttempt(MAX_ATTEMPTS + 1), Reconciler.Then.GIVE_UP),
                new GoneRow(stale(JobStatus.FINALIZING, true, false, 1, true), Reconciler.Then.RESUBMIT),
                new GoneRow(stale(JobStatus.FINALIZING, true, false, MAX_ATTEMPTS, true), Reconciler.Then.GIVE_UP),
                new GoneRow(stale(JobStatus.FINALIZING, true, true, 1, true), Reconciler.Then.RESUBMIT),
                new GoneRow(stale(JobStatus.FINALIZING, true, true, MAX_ATTEMPTS, true), Reconciler.Then.GIVE_UP),
                new GoneRow(canceling(), Reconciler.Then.CANCEL),
                new GoneRow(stale(JobStatus.RUNNING, true, true, MAX_ATTEMPTS, true), Reconciler.Then.CANCEL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("firstRows")
    void beforeAskingComfyUiTheJobAloneDecides(FirstRow row) {
        assertEquals(row.expected(), Reconciler.first(row.job().job(), row.overran()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("thenRows")
    void whereComfyUiHasThePromptDecides(ThenRow row) {
        assertEquals(row.expected(), Reconciler.then(row.job().job(), row.place(), row.entry(), row.overran(), MAX_ATTEMPTS));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goneRows")
    void aPromptComfyUiNoLongerHasIsRunAgainUntilTheAttemptsAreUsed(GoneRow row) {
        assertEquals(row.expected(), Reconciler.gone(row.job().job(), MAX_ATTEMPTS));
    }

    @Test
    void everyDecisionOfTheTableIsSomeRowsAnswer() {
        Set<Reconciler.First> firsts = EnumSet.noneOf(Reconciler.First.class);
        firstRows().forEach(r -> firsts.add(r.expected()));
        assertEquals(EnumSet.allOf(Reconciler.First.class), firsts);
        Set<Reconciler.Then> thens = EnumSet.noneOf(Reconciler.Then.class);
        Stream.concat(thenRows().stream().map(ThenRow::expected), goneRows().stream().map(GoneRow::expected)).forEach(thens::add);
        assertEquals(EnumSet.allOf(Reconciler.Then.class), thens);
    }
}
