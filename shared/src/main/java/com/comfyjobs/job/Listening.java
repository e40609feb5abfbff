package com.comfyjobs.job;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The job's live listeners (WebSocket connections) as a transition or a claim found them, in the
 * same round trip, and what the job's push throttle lets the caller send: a job is pushed at most
 * once per {@link #MIN_GAP}, except when it ends. A visible change that comes sooner is owed by the
 * caller that made it ({@link Push#LATER}): it pushes the job as it is at {@link #due()}, claimed
 * with {@link JobStore#claimPush}, and the changes that come before then ride along with it
 * ({@link Push#NO}). So the last state before a quiet period goes out, however many pushes the
 * throttle skipped; should the owing caller die before its due time, the first change after that
 * time is pushed at once.
 *
 * @param jobId the job (null for {@link #NONE})
 * @param connections the listening connections, when {@code push} is NOW
 * @param lastPushed the status the previous push carried (null before the first), so a push can say
 *        whether it reports a new status or progress
 * @param due when an owed push is to be made (LATER only)
 * @param claim what to claim it with (LATER only)
 */
public record Listening(Push push, String jobId, List<String> connections, JobStatus lastPushed, Instant due, String claim) {
    /** At most four messages a second per job. */
    public static final Duration MIN_GAP = Duration.ofMillis(250);
    public static final Listening NONE = new Listening(Push.NO, null, List.of(), null, null, null);

    public enum Push {
        /** Push the job to {@link #connections()} now. */
        NOW,
        /** Push it at {@link #due()}: claim it then with {@link #claim()}. */
        LATER,
        /** Nothing to push: nobody listens, nothing visible changed, or another caller owes the push. */
        NO
    }

    public Listening {
        Objects.requireNonNull(push, "push");
        connections = List.copyOf(connections);
        if (push != Push.NO && jobId == null) {
            throw new IllegalArgumentException("a push is of a job");
        }
        if (push == Push.LATER && (due == null || claim == null)) {
            throw new IllegalArgumentException("an owed push has a due time and a claim");
        }
    }

    public static Listening now(String jobId, List<String> connections, JobStatus lastPushed) {
        return new Listening(Push.NOW, jobId, connections, lastPushed, null, null);
    }

    public static Listening later(String jobId, Instant due, String claim, JobStatus lastPushed) {
        return new Listening(Push.LATER, jobId, List.of(), lastPushed, due, claim);
    }
}
