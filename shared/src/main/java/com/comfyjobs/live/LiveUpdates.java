package com.comfyjobs.live;

import com.comfyjobs.job.TransitionResult;

/**
 * Pushes what transitions changed to the jobs' live listeners (WebSocket connections). Every service
 * that changes a job hands it the transition's result: the result says whether anyone listens and
 * what the job's throttle allows ({@code Listening}), so with nobody listening this costs nothing. A
 * push never fails the caller, nor holds it up: the change is made, a push the throttle owes goes out
 * at its due time without the caller waiting for it, and a listener that missed a message reads the
 * job with GET.
 */
public interface LiveUpdates {
    /** Pushes nothing; where no WebSocket API is configured. */
    LiveUpdates NONE = new LiveUpdates() {
        @Override
        public void push(TransitionResult result) {
        }

        @Override
        public void pushOwed() {
        }
    };

    /** The transition's push: made now, or, when the throttle owes it, at its due time (at most {@code Listening.MIN_GAP} later). */
    void push(TransitionResult result);

    /**
     * Makes every owed push that is due, in every shard: those whose maker was stopped before its due
     * time (a Lambda container frozen after its answer, or gone). The scheduled recovery run calls it.
     */
    void pushOwed();
}
