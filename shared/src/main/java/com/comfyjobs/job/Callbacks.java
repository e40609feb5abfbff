package com.comfyjobs.job;

import java.time.Instant;

/**
 * What a job with a webhook keeps about its callbacks, written in the same atomic step as the
 * transition that causes one: the delivery waiting to be made ({@code pending}; at most one, since a
 * newer progress replaces a waiting one and the end of the job drops it), the sender that claimed it
 * ({@code leaseOwner} until {@code leaseUntil}: nobody else sends for the job meanwhile, so a progress
 * in flight is answered before the end is sent), how the last finished delivery went, how many
 * deliveries the job has enqueued (which numbers their ids) and when its last progress was claimed
 * (progress goes out at most once a second).
 */
public record Callbacks(int enqueued, Instant progressClaimedAt, CallbackDelivery pending, Instant leaseUntil, String leaseOwner,
                        CallbackStatus finished, int finishedAttempts, String finishedError) {
    public static final Callbacks NONE = new Callbacks(0, null, null, null, null, null, 0, null);

    public Callbacks {
        if (finished == CallbackStatus.PENDING) {
            throw new IllegalArgumentException("a finished delivery is delivered, failed or stopped");
        }
        if ((leaseUntil == null) != (leaseOwner == null)) {
            throw new IllegalArgumentException("a lease has an end and an owner");
        }
    }

    /** As GET shows it: pending while a delivery waits, else how the last one ended; null before the first. */
    public CallbackStatus status() {
        return pending != null ? CallbackStatus.PENDING : finished;
    }

    public int attempts() {
        return pending != null ? pending.attempts() : finishedAttempts;
    }

    public String lastError() {
        return pending != null ? pending.lastError() : finishedError;
    }

    /** A 410 Gone ended the job's callbacks: nothing more is enqueued. */
    public boolean stopped() {
        return finished == CallbackStatus.STOPPED;
    }

    public boolean leasedByAnotherThan(String owner, Instant now) {
        return leaseUntil != null && leaseUntil.isAfter(now) && !leaseOwner.equals(owner);
    }

    /** Whether {@code deliveryId} is the delivery still waiting (not replaced or dropped since it was claimed). */
    public boolean waits(String deliveryId) {
        return pending != null && pending.id().equals(deliveryId);
    }

    /**
     * These callbacks once the claim's owner recorded {@code a} (the stores check the owner): the claim
     * is released; a delivery replaced meanwhile stays as its replacement left it; a pending try keeps
     * the delivery for its next due time; any other outcome ends it.
     */
    public Callbacks recorded(CallbackAttempt a) {
        CallbackDelivery p = pending;
        if (!waits(a.deliveryId())) {
            return new Callbacks(enqueued, progressClaimedAt, p, null, null, finished, finishedAttempts, finishedError);
        }
        if (a.outcome() == CallbackStatus.PENDING) {
            return new Callbacks(enqueued, progressClaimedAt, new CallbackDelivery(p.id(), p.event(), p.at(), a.nextDue(), a.attempts(),
                    a.error()), null, null, finished, finishedAttempts, finishedError);
        }
        return new Callbacks(enqueued, progressClaimedAt, null, null, null, a.outcome(), a.attempts(), a.error());
    }
}
