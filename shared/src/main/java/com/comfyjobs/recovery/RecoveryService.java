package com.comfyjobs.recovery;

import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.MigrationResult;
import com.comfyjobs.live.LiveUpdates;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.observability.JsonLog;
import com.comfyjobs.progress.Finalizer;
import com.comfyjobs.submit.Dispatcher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The scheduled reconciler. Per shard, under a lock, it reads only the live jobs whose heartbeat is
 * older than STALE_AFTER ({@link Sweep}) and asks their ComfyUI server where each one is (history,
 * queue, history; for a server with several stale jobs, its whole history and queue once,
 * {@link ServerSnapshot}): finished unseen jobs are settled, live ones get a fresh heartbeat, lost ones are
 * resubmitted as the next attempt, overrun ones finished from history when ComfyUI has their outputs
 * and otherwise interrupted and expired, never-confirmed ones looked up and submitted, interrupted
 * finalizations finished ({@link Reconciler} decides, {@link RecoveryActions} acts). It works with
 * bounded concurrency toward each ComfyUI server, goes past jobs it cannot settle or read, and stops
 * before its deadline.
 */
public final class RecoveryService {
    /** Calls in flight toward one ComfyUI server during a run. */
    public static final int PER_SERVER = ServerGate.PER_SERVER;

    private final JobStore store;
    private final ServiceSettings settings;
    private final JobObserver observer;
    private final Sweep sweep;
    private final RecoveryActions actions;
    private final LiveUpdates live;
    private final Clock clock;

    /** Without live pushes. */
    public RecoveryService(JobStore store, ComfyUiPool pool, Dispatcher dispatcher, Finalizer finalizer, ServiceSettings settings,
                           Clock clock, JobObserver observer) {
        this(store, pool, dispatcher, finalizer, settings, clock, observer, LiveUpdates.NONE);
    }

    /** {@code live}: what recovery changes that the owner sees (the job settled, expired, resubmitted) is pushed to its live listeners. */
    public RecoveryService(JobStore store, ComfyUiPool pool, Dispatcher dispatcher, Finalizer finalizer, ServiceSettings settings,
                           Clock clock, JobObserver observer, LiveUpdates live) {
        this(store, pool, dispatcher, finalizer, settings, RecoverySettings.defaults(), clock, observer, live);
    }

    /** {@code recoverySettings}: how much of each server's history a run may read. */
    public RecoveryService(JobStore store, ComfyUiPool pool, Dispatcher dispatcher, Finalizer finalizer, ServiceSettings settings,
                           RecoverySettings recoverySettings, Clock clock, JobObserver observer, LiveUpdates live) {
        this.store = store;
        this.live = live;
        this.clock = clock;
        this.settings = settings;
        this.observer = observer;
        this.sweep = new Sweep(store, settings.retention(), clock);
        this.actions = new RecoveryActions(store, pool, dispatcher, finalizer, settings, recoverySettings, clock, observer, live);
    }

    /**
     * The scheduled run: reconcile stale jobs, then purge terminal jobs past retention; and make the
     * pushes to live listeners that their makers owed and never made.
     */
    public RecoverySummary run(Instant deadline) {
        ServerSnapshots snapshots = actions.snapshots(deadline);
        CompletableFuture<Void> load = actions.reportServerLoad();
        RecoverySummary summary = sweep.run(deadline, settings.staleAfter(), (batch, counts) -> actions.plan(batch, counts, snapshots));
        live.pushOwed();
        awaitUntil(load, deadline);
        return reported("recovery summary", summary);
    }

    /** A server whose queue is not read by the deadline goes unreported in this run rather than hold it up. */
    private void awaitUntil(CompletableFuture<Void> load, Instant deadline) {
        try {
            load.get(Math.max(0, Duration.between(clock.instant(), deadline).toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            JsonLog.warn("ComfyUI queues still unread at the run's deadline; their load is not reported this run");
        } catch (ExecutionException e) {
            JsonLog.warn("ComfyUI server load not reported", "reason", String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The manual cleanup: jobs without news for {@code olderThan} are orphans; they are interrupted
     * on ComfyUI where possible and failed now, without waiting for reconciliation.
     */
    public RecoverySummary cleanup(Instant deadline, Duration olderThan) {
        return reported("cleanup summary", sweep.run(deadline, olderThan, (batch, counts) -> batch.stream()
                .map(job -> new Sweep.Task(job.id(), () -> actions.failOrphan(job, counts))).toList()));
    }

    /**
     * Moves stored data to the key layout this code writes (the "migrate" action after a deploy that
     * changed it). Safe to run again, and to run while the functions serve: see {@link JobStore#migrate}.
     */
    public MigrationResult migrate(Instant deadline) {
        MigrationResult r = store.migrate(deadline);
        JsonLog.record("migration summary", Map.of("complete", r.complete(), "keysMoved", r.keysMoved(), "detail", r.detail()));
        return r;
    }

    private RecoverySummary reported(String what, RecoverySummary summary) {
        JsonLog.record(what, summary.toMap());
        observer.recoveryRun(summary.counts());
        return summary;
    }
}
