package com.comfyjobs.recovery;

import com.comfyjobs.comfyui.HistoryEntry;
import com.comfyjobs.comfyui.PromptLocation;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;

/**
 * The decision table of recovery, as pure functions of a stale job and what ComfyUI says about its
 * prompt: no store, no clock, no network, so every row can be read, and tested, on its own.
 * {@link RecoveryActions} carries the decisions out.
 */
final class Reconciler {
    /** What to do with a stale job before asking ComfyUI anything. */
    enum First {
        /** Past its runtime while its outputs were being copied: copy them, expire it when they are gone. */
        FINISH_OVERRUN,
        /** Past its runtime, and no server was ever given: nothing to stop, expire it. */
        EXPIRE,
        /** Past its runtime: settle it from history if ComfyUI finished it, else stop and expire it. */
        LOOK_BEFORE_EXPIRING,
        /** ComfyUI finished it and the copy of its outputs was cut short: finish the copy. */
        FINISH,
        /** Its submission was never confirmed: the dispatcher looks the prompt up before it sends anything. */
        RESUME,
        /** Ask ComfyUI where its prompt is (history, queue, history). */
        LOOK
    }

    /** What to do once ComfyUI answered where the prompt is. */
    enum Then {
        /** ComfyUI finished it with its outputs: record them, finish the copy. */
        SETTLE_SUCCEEDED,
        /** ComfyUI reports an error: fail with ComfyUI's reason. */
        SETTLE_FAILED,
        /** Interrupted on ComfyUI, as asked: canceled. */
        SETTLE_CANCELED,
        /** Interrupted on ComfyUI, nobody asked: failed. */
        SETTLE_INTERRUPTED,
        /** In history without an end yet: alive, look again later. */
        KEEP_WAITING,
        /** Running or waiting on ComfyUI: alive (running if it started unseen). */
        ALIVE,
        /** Running or waiting though a cancel was asked: stop it, alive until ComfyUI confirms. */
        STOP_AND_WAIT,
        /** Gone and a cancel was asked: canceled. */
        CANCEL,
        /** Gone (a restart lost it, or it finished and its outputs are forgotten): run it again as the next attempt. */
        RESUBMIT,
        /** Gone, and every attempt is used: failed. */
        GIVE_UP,
        /** The server does not answer: another server, while attempts are left. */
        MOVE,
        /** The server does not answer and no attempt is left: wait for it, within the runtime limit. */
        WAIT_FOR_SERVER,
        /** Past its runtime and not finished on ComfyUI: stop it and expire it. */
        EXPIRE
    }

    private Reconciler() {
    }

    static First first(Job job, boolean overran) {
        if (overran) {
            if (job.status() == JobStatus.FINALIZING) {
                return First.FINISH_OVERRUN;
            }
            return job.comfyServer() == null ? First.EXPIRE : First.LOOK_BEFORE_EXPIRING;
        }
        if (job.status() == JobStatus.FINALIZING) {
            return First.FINISH;
        }
        if (job.status() == JobStatus.QUEUED && !job.isSubmitted()) {
            return First.RESUME;
        }
        return First.LOOK;
    }

    /**
     * @param entry    the history entry when the prompt is in history, else null
     * @param overran  past its runtime limit
     */
    static Then then(Job job, PromptLocation.Place place, HistoryEntry.Outcome entry, boolean overran, int maxAttempts) {
        if (overran) {
            return place == PromptLocation.Place.FINISHED && entry != HistoryEntry.Outcome.UNFINISHED ? fromHistory(job, entry) : Then.EXPIRE;
        }
        switch (place) {
            case FINISHED:
                return fromHistory(job, entry);
            case RUNNING:
            case PENDING:
                return job.cancelRequested() ? Then.STOP_AND_WAIT : Then.ALIVE;
            case ABSENT:
                return gone(job, maxAttempts);
            default:
                if (job.cancelRequested()) {
                    return Then.CANCEL;
                }
                return job.attempt() >= maxAttempts ? Then.WAIT_FOR_SERVER : Then.MOVE;
        }
    }

    /**
     * The prompt is in neither queue nor history (also a finished job whose outputs ComfyUI forgot).
     * A finalizing job is never canceled, even with a cancel asked before ComfyUI finished it: its next
     * attempt is, by the dispatcher before anything is sent.
     */
    static Then gone(Job job, int maxAttempts) {
        if (job.cancelRequested() && job.status() != JobStatus.FINALIZING) {
            return Then.CANCEL;
        }
        return job.attempt() >= maxAttempts ? Then.GIVE_UP : Then.RESUBMIT;
    }

    private static Then fromHistory(Job job, HistoryEntry.Outcome entry) {
        switch (entry) {
            case SUCCESS:
                return Then.SETTLE_SUCCEEDED;
            case ERROR:
                return Then.SETTLE_FAILED;
            case INTERRUPTED:
                return job.cancelRequested() ? Then.SETTLE_CANCELED : Then.SETTLE_INTERRUPTED;
            default:
                return Then.KEEP_WAITING;
        }
    }
}
