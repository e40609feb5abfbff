package com.comfyjobs.job;

import static com.comfyjobs.testing.JobFixtures.newJob;
import static com.comfyjobs.testing.JobFixtures.queued;
import static com.comfyjobs.testing.JobFixtures.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.testing.JobFixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The live listeners of the JobStore contract (WebSocket pushes): who a transition finds listening, in
 * its own round trip, and the per-job push throttle with its owed pushes. Every store runs exactly
 * these tests; subclasses only say how to make a fresh, empty store.
 */
public abstract class JobListenersContract {
    private static final Duration GAP = Listening.MIN_GAP;
    protected JobStore store;
    private Instant t0;
    private Instant open;

    protected abstract JobStore newStore();

    @BeforeEach
    void openStore() {
        store = newStore();
        t0 = JobFixtures.now().minusSeconds(3600);
        open = JobFixtures.now().plus(Duration.ofHours(2));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private Instant at(long millis) {
        return t0.plusMillis(millis);
    }

    private Job created(String user) {
        return store.create(newJob(queued(user, t0))).job();
    }

    private TransitionResult progress(Job j, long millis, double p) {
        return store.transition(Transition.of(j.id(), at(millis)).status(JobStatus.RUNNING).progress(p).build());
    }

    @Test
    void nobodyListeningIsNothingToPushAndNoJobWasAskedFor() {
        Job j = created(user());
        TransitionResult r = progress(j, 1, 0.1);
        assertTrue(r.applied());
        assertEquals(Listening.NONE, r.listening());
        assertNull(r.job(), "the job comes back only when asked for or to be pushed");
    }

    @Test
    void aListenerOfTheJobIsPushedAVisibleChangeWithTheJobInTheSameAnswer() {
        Job j = created(user());
        assertEquals(Optional.of(JobStatus.QUEUED), store.listen(j.id(), j.userId(), "conn-1", open));
        TransitionResult r = progress(j, 1, 0.25);
        assertEquals(Listening.Push.NOW, r.listening().push());
        assertEquals(List.of("conn-1"), r.listening().connections());
        assertNull(r.listening().lastPushed(), "nothing was pushed before");
        assertNotNull(r.job(), "the job to push comes with the answer");
        assertEquals(0.25, r.job().progress());
        assertEquals(JobStatus.RUNNING, r.job().status());
    }

    @Test
    void anUnknownOrForeignJobIsNotListenedToAndTheTwoAreNotToldApart() {
        Job j = created("owner-" + user());
        assertEquals(Optional.empty(), store.listen(j.id(), "mallory", "conn-m", open));
        assertEquals(Optional.empty(), store.listen(PromptIds.newJobId(), "mallory", "conn-m", open));
        assertEquals(Listening.NONE, progress(j, 1, 0.5).listening(), "the foreign listener was not registered");
    }

    @Test
    void aListenerOfAllOfAUsersJobsHearsThatUsersJobsOnly() {
        // user ids that would share a prefix or a separator unescaped
        String a = "a" + user();
        Job mine = created(a);
        Job colon = created(a + ":b");
        Job escaped = created(a + "%3Ab");
        Job brace = created(a + "}");
        store.listenAll(a, "conn-a", open);
        assertEquals(List.of("conn-a"), progress(mine, 1, 0.1).listening().connections());
        for (Job other : List.of(colon, escaped, brace)) {
            assertEquals(Listening.NONE, progress(other, 1, 0.1).listening(), other.userId());
        }
        Job later = created(a);
        assertEquals(List.of("conn-a"), progress(later, 1, 0.1).listening().connections(), "a job made after the subscription too");
        for (Job other : List.of(colon, escaped, brace)) {
            store.listenAll(other.userId(), "conn-" + other.userId(), open);
            assertEquals(List.of("conn-" + other.userId()), progress(other, 300, 0.2).listening().connections(),
                    "each hears its own: " + other.userId());
        }
    }

    @Test
    void aConnectionListeningTwiceIsPushedOnce() {
        Job j = created(user());
        store.listen(j.id(), j.userId(), "conn-1", open);
        store.listenAll(j.userId(), "conn-1", open);
        store.listenAll(j.userId(), "conn-2", open);
        TransitionResult r = progress(j, 1, 0.1);
        assertEquals(List.of("conn-1", "conn-2"), r.listening().connections().stream().sorted().toList());
    }

    @Test
    void changesTheOwnerCannotSeeArePushedToNobody() {
        Job j = created(user());
        store.listen(j.id(), j.userId(), "conn-1", open);
        assertEquals(Listening.NONE, store.transition(Transition.of(j.id(), at(1)).acquireLease("w", at(30_000)).build()).listening());
        assertTrue(store.refreshHeartbeat(j.id(), 1, at(2)));
        assertEquals(Listening.NONE, store.transition(Transition.of(j.id(), at(3)).underLease("w").releaseLease().build()).listening());
    }

    @Test
    void pushesAreAGapApartAndTheChangeThatCameTooSoonIsOwedOnceAndClaimedWithTheLatestState() {
        Job j = created(user());
        store.listen(j.id(), j.userId(), "conn-1", open);
        assertEquals(Listening.Push.NOW, progress(j, 0, 0.1).listening().push());
        Listening owed = progress(j, 100, 0.2).listening();
        assertEquals(Listening.Push.LATER, owed.push());
        assertEquals(at(0).plus(GAP), owed.due(), "due one gap after the last push");
        assertEquals(JobStatus.RUNNING, owed.lastPushed());
        assertEquals(Listening.NONE, progress(j, 150, 0.3).listening(), "rides along with the owed push");

        ClaimedPush claimed = store.claimPush(j.id(), owed.claim(), at(250)).orElseThrow();
        assertEquals(Listening.Push.NOW, claimed.listening().push());
        assertEquals(List.of("conn-1"), claimed.listening().connections());
        assertEquals(0.3, claimed.job().progress(), "the job as it is when the push is made");
        assertEquals(Optional.empty(), store.claimPush(j.id(), owed.claim(), at(251)), "claimed once");

        Listening next = progress(j, 300, 0.4).listening();
        assertEquals(Listening.Push.LATER, next.push(), "the claim was a push: the next one waits a gap after it");
        assertEquals(at(250).plus(GAP), next.due());
        assertEquals(Listening.Push.NOW, progress(j, 500, 0.5).listening().push(), "a change at the due time pushes by itself");
        assertEquals(Optional.empty(), store.claimPush(j.id(), next.claim(), at(500)), "and settles what was owed");
    }

    @Test
    void anOwedPushIsListedByItsDueTimeUntilItIsMadeAndTheSweepMayClaimItThen() {
        Job j = created(user());
        store.listen(j.id(), j.userId(), "conn-1", open);
        progress(j, 0, 0.1);
        Listening owed = progress(j, 10, 0.2).listening();
        int shard = store.shardOf(j.id());
        assertEquals(List.of(), store.owedPushes(shard, at(249), 10), "not due yet");
        assertEquals(List.of(j.id()), store.owedPushes(shard, at(250), 10));
        assertEquals(Optional.empty(), store.claimPush(j.id(), null, at(249)), "the sweep claims only what is due");
        ClaimedPush swept = store.claimPush(j.id(), null, at(300)).orElseThrow();
        assertEquals(0.2, swept.job().progress());
        assertEquals(List.of(), store.owedPushes(shard, at(300), 10), "made: no longer listed");
        assertEquals(Optional.empty(), store.claimPush(j.id(), owed.claim(), at(301)), "its maker's late claim finds it made");

        Listening again = progress(j, 320, 0.3).listening();
        assertEquals(Listening.Push.LATER, again.push());
        assertEquals(Listening.Push.NOW, progress(j, 600, 0.4).listening().push());
        assertEquals(List.of(), store.owedPushes(shard, at(600), 10), "a push that carried the change settles the debt");
    }

    @Test
    void theEndIsPushedAtOnceAndDropsAnOwedPush() {
        Job j = created(user());
        store.listen(j.id(), j.userId(), "conn-1", open);
        progress(j, 0, 0.1);
        Listening owed = progress(j, 10, 0.2).listening();
        assertEquals(Listening.Push.LATER, owed.push());
        TransitionResult end = store.transition(Transition.of(j.id(), at(20)).status(JobStatus.FAILED)
                .error(JobError.of("boom", "it broke")).build());
        assertEquals(Listening.Push.NOW, end.listening().push(), "never throttled");
        assertEquals(JobStatus.FAILED, end.job().status());
        assertEquals(Optional.empty(), store.claimPush(j.id(), owed.claim(), at(250)), "nothing after the end");
    }

    @Test
    void aTransitionSentTwiceAnswersTheFirstRunsPush() {
        Job j = created(user());
        store.listen(j.id(), j.userId(), "conn-1", open);
        Transition first = Transition.of(j.id(), at(0)).status(JobStatus.RUNNING).progress(0.1).build();
        assertEquals(Listening.Push.NOW, store.transition(first).listening().push());
        TransitionResult again = store.transition(first);
        assertEquals(Listening.Push.NOW, again.listening().push(), "its reply was lost: the message goes out again");
        assertEquals(List.of("conn-1"), again.listening().connections());
        assertNotNull(again.job());

        Transition soon = Transition.of(j.id(), at(10)).progress(0.2).build();
        Listening owed = store.transition(soon).listening();
        Listening owedAgain = store.transition(soon).listening();
        assertEquals(Listening.Push.LATER, owedAgain.push());
        assertEquals(owed.due(), owedAgain.due());
        assertEquals(owed.claim(), owedAgain.claim(), "one debt, not two");
    }

    @Test
    void aClaimSentTwiceAtTheSameInstantAnswersTheSame() {
        Job j = created(user());
        store.listen(j.id(), j.userId(), "conn-1", open);
        progress(j, 0, 0.1);
        Listening owed = progress(j, 10, 0.2).listening();
        ClaimedPush first = store.claimPush(j.id(), owed.claim(), at(250)).orElseThrow();
        ClaimedPush again = store.claimPush(j.id(), owed.claim(), at(250)).orElseThrow();
        assertEquals(first.job(), again.job());
        assertEquals(first.listening(), again.listening());
    }

    @Test
    void anOwedPushWithNobodyLeftListeningIsDropped() {
        Job j = created(user());
        store.listen(j.id(), j.userId(), "conn-1", open);
        progress(j, 0, 0.1);
        Listening owed = progress(j, 10, 0.2).listening();
        store.unlisten(j.id(), "conn-1");
        assertEquals(Optional.empty(), store.claimPush(j.id(), owed.claim(), at(250)));
    }

    @Test
    void unlisteningStopsThePushes() {
        Job j = created(user());
        store.listen(j.id(), j.userId(), "conn-1", open);
        store.listenAll(j.userId(), "conn-2", open);
        store.unlisten(j.id(), "conn-1");
        store.unlistenAll(j.userId(), "conn-2");
        store.unlisten(j.id(), "never-listened");
        assertEquals(Listening.NONE, progress(j, 1, 0.1).listening());
    }

    @Test
    void anEndedJobAnswersItsStatusAndIsNotListenedTo() {
        Job j = created(user());
        store.updateStatus(j.id(), JobStatus.CANCELED, at(1));
        assertEquals(Optional.of(JobStatus.CANCELED), store.listen(j.id(), j.userId(), "conn-1", open));
    }

    @Test
    void aListenerWhoseConnectionEndedIsNoListener() {
        Job j = created(user());
        store.listen(j.id(), j.userId(), "conn-1", open);
        store.listenAll(j.userId(), "conn-2", open);
        TransitionResult later = store.transition(Transition.of(j.id(), open.plusSeconds(1)).progress(0.1).build());
        assertEquals(Listening.NONE, later.listening(), "both connections ended before the change");
    }

    @Test
    void connectionIdsComeBackAsTheyWereGiven() {
        Job j = created(user());
        String odd = "Lx0%3A:{=}/+";
        store.listen(j.id(), j.userId(), odd, open);
        assertEquals(List.of(odd), progress(j, 1, 0.1).listening().connections());
    }
}
