package com.comfyjobs.live;

import com.comfyjobs.job.TransitionResult;

/**
 * Pushes what transitions changed to the jobs' live listeners (WebSocket connections). Every service
 * that changes a job hands it the transition's result: the result says whether anyone listens and
 * what the job's throttle allows ({@code Listening}), so with nobody listening this costs nothing. A
 * push never fails the caller: the change is made, and a listener that missed a message reads the
 * job with GET.
 */
public interface LiveUpdates {
    /** Pushes nothing; where no WebSocket API is configured. */
    LiveUpdates NONE = () -> new Batch() {
        @Override
        public void add(TransitionResult result) {
        }

        @Override
        public void close() {
        }
    };

    /**
     * The pushes of one request's transitions: each goes out as it comes, except those the throttle
     * owes, which go out when the batch is closed, at their due time (at most {@code Listening.MIN_GAP}
     * later), as the job is then: one wait per request, however many events it carried.
     */
    Batch batch();

    /** One transition's push, owed ones included: the batch of one. */
    default void push(TransitionResult result) {
        try (Batch b = batch()) {
            b.add(result);
        }
    }

    interface Batch extends AutoCloseable {
        void add(TransitionResult result);

        @Override
        void close();
    }
}
