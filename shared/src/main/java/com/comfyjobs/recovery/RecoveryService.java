package com.comfyjobs.recovery;

import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.HistoryEntry;
import com.comfyjobs.comfyui.PromptLocation;
import com.comfyjobs.comfyui.PromptStopper;
import com.comfyjobs.comfyui.QueueSnapshot;
import com.comfyjobs.comfyui.Reply;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobError;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.MigrationResult;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.PurgeResult;
import com.comfyjobs.job.StaleBatch;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.TransitionResult;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.observability.JsonLog;
import com.comfyjobs.progress.Finalizer;
import com.comfyjobs.submit.DispatchResult;
import com.comfyjobs.submit.Dispatcher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * The scheduled reconciler. Per shard, under a lock, it reads only the live jobs whose heartbeat is
 * older than STALE_AFTER and asks their ComfyUI server where each one is (history, queue, history):
 * finished unseen jobs are settled, live ones get a fresh heartbeat, lost ones are resubmitted as the
 * next attempt, overrun ones finished from history when ComfyUI has their outputs and otherwise
 * interrupted and expired, never-confirmed ones looked up and submitted, interrupted finalizations
 * finished. It works in batches with bounded concurrency toward each ComfyUI server, goes past jobs it
 * cannot settle or read, and stops before its deadline.
 */
public final class RecoveryService {
    static final int BATCH = 200;
    static final int THREADS = 16;
    /** Calls in flight toward one ComfyUI server: enough to keep a sweep quick, few enough not to load a GPU box. */
    public static final int PER_SERVER = 8;
    static final int PURGE_BATCH = 500;
    private static final Duration LOCK_MARGIN = Duration.ofSeconds(30);

    private final JobStore store;
    private final ComfyUiPool pool;
    private final Dispatcher dispatcher;
    private final Finalizer finalizer;
    private final ServiceSettings settings;
    private final Duration retention;
    private final Clock clock;
    private final JobObserver observer;
    /** How long one /queue answer serves the lookups of a sweep on the same server. */
    static final Duration QUEUE_SNAPSHOT_TTL = Duration.ofSeconds(2);

    private final PromptStopper stopper;
    private final Map<String, Semaphore> perServer = new ConcurrentHashMap<>();
    private final Map<String, QueueCache> queues = new ConcurrentHashMap<>();

    /** A server's queue, fetched at most once per TTL however many stale jobs ask (a queue can be large). */
    private final class QueueCache {
        private final ComfyUiClient client;
        private Instant fetchedAt = Instant.MIN;
        private Reply<QueueSnapshot> snapshot;

        QueueCache(ComfyUiClient client) {
            this.client = client;
        }

        synchronized Reply<QueueSnapshot> get() {
            Instant now = clock.instant();
            if (!(snapshot instanceof Reply.Ok) || fetchedAt.plus(QUEUE_SNAPSHOT_TTL).isBefore(now)) {
                snapshot = client.queue();
                fetchedAt = now;
            }
            return snapshot;
        }
    }

    public RecoveryService(JobStore store, ComfyUiPool pool, Dispatcher dispatcher, Finalizer finalizer, ServiceSettings settings,
                           Clock clock, JobObserver observer) {
        this.store = store;
        this.pool = pool;
        this.stopper = new PromptStopper(pool);
        this.dispatcher = dispatcher;
        this.finalizer = finalizer;
        this.settings = settings;
        this.retention = settings.retention();
        this.clock = clock;
        this.observer = observer;
    }

    /** The scheduled run: reconcile stale jobs, then purge terminal jobs past retention. */
    public RecoverySummary run(Instant deadline) {
        return sweep(deadline, settings.staleAfter(), false);
    }

    /**
     * The manual cleanup: jobs without news for {@code olderThan} are orphans; they are interrupted
     * on ComfyUI where possible and failed now, without waiting for reconciliation.
     */
    public RecoverySummary cleanup(Instant deadline, Duration olderThan) {
        return sweep(deadline, olderThan, true);
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

    private RecoverySummary sweep(Instant deadline, Duration quietFor, boolean failOrphans) {
        long started = System.nanoTime();
        RecoverySummary summary = new RecoverySummary();
        String owner = UUID.randomUUID().toString();
        List<Integer> shards = new ArrayList<>();
        for (int s = 0; s < store.shardCount(); s++) {
            shards.add(s);
        }
        // overlapping runs start on different shards instead of queueing behind one another's locks
        Collections.shuffle(shards);
        ExecutorService workers = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "recovery");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int shard : shards) {
                if (!now().isBefore(deadline)) {
                    summary.stoppedEarly = true;
                    break;
                }
                Duration lockTtl = Duration.between(now(), deadline).plus(LOCK_MARGIN);
                if (!store.tryLockShard(shard, owner, lockTtl)) {
                    summary.shardsLocked.incrementAndGet();
                    continue;
                }
                try {
                    sweepShard(shard, deadline, quietFor, failOrphans, summary, workers);
                    if (now().isBefore(deadline)) {
                        PurgeResult p = store.purge(shard, now().minus(retention), PURGE_BATCH);
                        summary.purged.addAndGet(p.purgedJobs());
                    }
                } finally {
                    store.unlockShard(shard, owner);
                }
            }
        } finally {
            workers.shutdownNow();
        }
        summary.durationMs = (System.nanoTime() - started) / 1_000_000;
        JsonLog.record(failOrphans ? "cleanup summary" : "recovery summary", summary.toMap());
        observer.recoveryRun(summary);
        return summary;
    }

    /**
     * Walks the shard's stale range once, oldest first, batch by batch: a job handled here gets a fresh
     * heartbeat and leaves the range, and the walk goes on past any it could not settle or read, so
     * no number of stuck or corrupt jobs hides the ones behind them.
     */
    private void sweepShard(int shard, Instant deadline, Duration quietFor, boolean failOrphans, RecoverySummary summary,
                            ExecutorService workers) {
        Instant quietSince = now().minus(quietFor);
        StaleBatch.Position after = null;
        while (now().isBefore(deadline)) {
            StaleBatch batch = store.findStale(shard, quietSince, after, BATCH);
            for (StaleBatch.Unreadable bad : batch.unreadable()) {
                summary.unreadable.incrementAndGet();
                JsonLog.warn("stale job has unreadable stored data; skipped", "jobId", bad.jobId(), "reason", bad.reason());
            }
            summary.scanned.addAndGet(batch.jobs().size());
            List<Future<?>> running = new ArrayList<>();
            for (Job job : batch.jobs()) {
                running.add(workers.submit(() -> {
                    if (!now().isBefore(deadline)) {
                        summary.skipped.incrementAndGet();
                        summary.stoppedEarly = true;
                        return;
                    }
                    try {
                        if (failOrphans) {
                            failOrphan(job, summary);
                        } else {
                            reconcile(job, summary);
                        }
                    } catch (RuntimeException e) {
                        summary.skipped.incrementAndGet();
                        JsonLog.error("reconciling a job failed", e, "jobId", job.id());
                    }
                }));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (ExecutionException e) {
                    summary.skipped.incrementAndGet();
                }
            }
            if (batch.next() == null) {
                return;
            }
            after = batch.next();
        }
        summary.stoppedEarly = true;
    }

    void reconcile(Job job, RecoverySummary summary) {
        Instant began = now();
        if (overran(job)) {
            finishOrExpire(job, summary, began);
            return;
        }
        if (job.status() == JobStatus.FINALIZING) {
            finish(job, summary, began);
            return;
        }
        if (job.status() == JobStatus.QUEUED && !job.isSubmitted()) {
            // never confirmed: the dispatcher looks the prompt up before it sends anything (or cancels)
            DispatchResult d = dispatcher.resume(job);
            countDispatch(d, summary, "never accepted", began);
            return;
        }
        PromptLocation where = locate(job);
        switch (where.place()) {
            case FINISHED -> settleFromHistory(job, where.entry(), summary, began);
            case RUNNING, PENDING -> {
                if (job.cancelRequested()) {
                    stopper.stop(job.promptId(), job.comfyServer());
                }
                Transition.Builder alive = Transition.of(job.id(), now()).expectAttempt(job.attempt()).expectStatus(JobStatus.live())
                        .observed();
                if (where.place() == PromptLocation.Place.RUNNING && job.status() == JobStatus.QUEUED) {
                    // its start event never arrived: what ComfyUI shows now is when it started, as far as we can know,
                    // and the runtime limit counts from there
                    alive.status(JobStatus.RUNNING);
                }
                if (store.transition(alive.build()).applied()) {
                    summary.recovered.incrementAndGet();
                } else {
                    summary.skipped.incrementAndGet();
                }
            }
            case ABSENT -> lost(job, summary, began);
            default -> unreachable(job, summary, began);
        }
    }

    /** Where the job's current prompt is on its server, sharing one /queue answer per server per sweep. */
    private PromptLocation locate(Job job) {
        ComfyUiClient client = pool.client(job.comfyServer());
        QueueCache queue = queues.computeIfAbsent(job.comfyServer(), s -> new QueueCache(client));
        return withServer(job.comfyServer(), () -> PromptLocation.find(client, job.promptId(), queue::get));
    }

    /**
     * Past its runtime limit. A job that finished on ComfyUI meanwhile (its webhooks lost, or its copy
     * cut short) is finished from history, not thrown away; the rest is stopped and expired.
     */
    private void finishOrExpire(Job job, RecoverySummary summary, Instant began) {
        if (job.status() == JobStatus.FINALIZING) {
            Finalizer.Result r = withServer(job.comfyServer(), () -> finalizer.finalize(job, settings.finalizeBudget()));
            switch (r) {
                case SUCCEEDED -> {
                    summary.recovered.incrementAndGet();
                    observer.jobRecovered(job, "finalized", Duration.between(began, now()));
                }
                case FAILED -> summary.failed.incrementAndGet();
                case OUTPUTS_FORGOTTEN -> store.findById(job.id())
                        .filter(j -> j.status() == JobStatus.FINALIZING && j.attempt() == job.attempt())
                        .ifPresentOrElse(j -> expire(j, summary), summary.skipped::incrementAndGet);
                default -> summary.skipped.incrementAndGet();
            }
            return;
        }
        if (job.comfyServer() != null) {
            PromptLocation where = locate(job);
            if (where.place() == PromptLocation.Place.FINISHED && where.entry().outcome() != HistoryEntry.Outcome.UNFINISHED) {
                settleFromHistory(job, where.entry(), summary, began);
                return;
            }
        }
        expire(job, summary);
    }

    private void settleFromHistory(Job job, HistoryEntry entry, RecoverySummary summary, Instant began) {
        switch (entry.outcome()) {
            case SUCCESS -> {
                TransitionResult r = store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt())
                        .expectUnchangedSince(job.updatedAt()).observed()
                        .status(JobStatus.FINALIZING).addOutputs(entry.outputs(), settings.maxOutputs()).returnJob().build());
                if (r.applied()) {
                    finish(r.job(), summary, began);
                } else {
                    summary.skipped.incrementAndGet();
                }
            }
            case ERROR -> settle(job, JobStatus.FAILED, entry.error(), summary);
            case INTERRUPTED -> settle(job, job.cancelRequested() ? JobStatus.CANCELED : JobStatus.FAILED, entry.error(), summary);
            default -> {
                if (store.refreshHeartbeat(job.id(), job.attempt(), now())) {
                    summary.recovered.incrementAndGet();
                }
            }
        }
    }

    private void finish(Job job, RecoverySummary summary, Instant began) {
        Finalizer.Result r = withServer(job.comfyServer(), () -> finalizer.finalize(job, settings.finalizeBudget()));
        switch (r) {
            case SUCCEEDED -> {
                summary.recovered.incrementAndGet();
                observer.jobRecovered(job, "finalized", Duration.between(began, now()));
            }
            case FAILED -> summary.failed.incrementAndGet();
            // the finalizer's lease changed the job: decide on what it left, not on the read from before
            case OUTPUTS_FORGOTTEN -> store.findById(job.id())
                    .filter(j -> j.status() == JobStatus.FINALIZING && j.attempt() == job.attempt())
                    .ifPresentOrElse(j -> lost(j, summary, began), summary.skipped::incrementAndGet);
            default -> summary.skipped.incrementAndGet();
        }
    }

    /**
     * In neither queue nor history: ComfyUI lost it (a restart), or it finished and ComfyUI forgot
     * which outputs it made. Resubmit, unless it was to be canceled anyway.
     */
    private void lost(Job job, RecoverySummary summary, Instant began) {
        if (job.cancelRequested()) {
            settle(job, JobStatus.CANCELED, null, summary);
            return;
        }
        if (job.attempt() >= settings.maxAttempts()) {
            String reason = "ComfyUI lost the job " + job.attempt() + " times (restarts); giving up";
            observer.recoveryFailed(job, reason);
            settle(job, JobStatus.FAILED, JobError.of("lost", reason), summary);
            return;
        }
        Optional<Workflow> workflow = store.findWorkflow(job.id());
        if (workflow.isEmpty()) {
            settle(job, JobStatus.FAILED, JobError.of("workflow_missing", "the stored workflow is gone; the job cannot be resubmitted"), summary);
            return;
        }
        ComfyUiClient target = pool.choose().orElse(pool.client(job.comfyServer()));
        int attempt = job.attempt() + 1;
        TransitionResult r = store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt())
                .expectUnchangedSince(job.updatedAt())
                .requeue(attempt, target.baseUrl().toString(), PromptIds.of(job.id(), attempt))
                .acquireLease(Dispatcher.newLeaseOwner(), now().plus(settings.dispatchLease())).returnJob().build());
        if (!r.applied()) {
            summary.skipped.incrementAndGet();
            return;
        }
        DispatchResult d = withServer(target.baseUrl().toString(), () -> dispatcher.submitNew(r.job(), workflow.get()));
        countDispatch(d, summary, "lost", began);
    }

    /** The server does not answer: move the job to another one while it still has attempts and time. */
    private void unreachable(Job job, RecoverySummary summary, Instant began) {
        if (job.cancelRequested()) {
            settle(job, JobStatus.CANCELED, null, summary);
            return;
        }
        Optional<Workflow> workflow = store.findWorkflow(job.id());
        if (workflow.isEmpty() || job.attempt() >= settings.maxAttempts()) {
            store.refreshHeartbeat(job.id(), job.attempt(), now());
            summary.skipped.incrementAndGet();
            return;
        }
        DispatchResult d = dispatcher.moveToAnotherServer(job, workflow.get(), List.of(job.comfyServer()));
        if (d.kind() == DispatchResult.Kind.DEFERRED) {
            // nowhere to go now: look again after STALE_AFTER; the runtime limit still ends it in time
            store.refreshHeartbeat(job.id(), d.job().attempt(), now());
        }
        countDispatch(d, summary, "server unreachable", began);
    }

    private void countDispatch(DispatchResult d, RecoverySummary summary, String why, Instant began) {
        switch (d.kind()) {
            case SUBMITTED -> {
                summary.resubmitted.incrementAndGet();
                observer.jobRecovered(d.job(), "resubmitted (" + why + ")", Duration.between(began, now()));
            }
            case ALREADY_THERE -> summary.recovered.incrementAndGet();
            case CANCELED -> summary.canceled.incrementAndGet();
            case REJECTED, GAVE_UP -> {
                summary.failed.incrementAndGet();
                observer.recoveryFailed(d.job(), d.reason());
            }
            default -> summary.skipped.incrementAndGet();
        }
    }

    private boolean overran(Job job) {
        Instant now = now();
        if (job.startedAt() != null) {
            return job.startedAt().plus(settings.maxRuntime(job.type())).isBefore(now);
        }
        return job.createdAt().plus(settings.maxQueueAge()).plus(settings.maxRuntime(job.type())).isBefore(now);
    }

    private void expire(Job job, RecoverySummary summary) {
        stopOnComfyUi(job);
        String reason = job.startedAt() != null ? "ran longer than " + settings.maxRuntime(job.type()) + " for " + job.type().wire()
                : "did not finish within its queue age and runtime limits";
        TransitionResult r = store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt())
                .expectUnchangedSince(job.updatedAt())
                .status(JobStatus.EXPIRED).error(JobError.of("expired", reason)).returnJob().build());
        if (r.becameTerminal()) {
            summary.expired.incrementAndGet();
            observer.jobFinished(r.job());
            observer.recoveryFailed(r.job(), reason);
        } else {
            summary.skipped.incrementAndGet();
        }
    }

    private void failOrphan(Job job, RecoverySummary summary) {
        stopOnComfyUi(job);
        String reason = "orphaned: no news since " + job.heartbeatAt() + "; failed by manual cleanup";
        settle(job, JobStatus.FAILED, JobError.of("orphaned", reason), summary);
        observer.recoveryFailed(job, reason);
    }

    /** Whether or not its submission was confirmed: a job given a server may be there (a lost answer). */
    private void stopOnComfyUi(Job job) {
        if (job.comfyServer() != null || job.isSubmitted()) {
            withServer(job.comfyServer(), () -> stopper.stop(job.promptId(), job.comfyServer()));
        }
    }

    private void settle(Job job, JobStatus status, JobError error, RecoverySummary summary) {
        Transition.Builder t = Transition.of(job.id(), now()).expectAttempt(job.attempt()).expectUnchangedSince(job.updatedAt())
                .status(status).returnJob();
        if (error != null && status != JobStatus.CANCELED) {
            t.error(error);
        }
        TransitionResult r = store.transition(t.build());
        if (!r.becameTerminal()) {
            summary.skipped.incrementAndGet();
            return;
        }
        observer.jobFinished(r.job());
        switch (status) {
            case CANCELED -> summary.canceled.incrementAndGet();
            case FAILED -> summary.failed.incrementAndGet();
            default -> summary.recovered.incrementAndGet();
        }
    }

    /** At most PER_SERVER calls in flight toward one ComfyUI server, whatever the thread count. */
    private <T> T withServer(String server, java.util.function.Supplier<T> call) {
        Semaphore gate = perServer.computeIfAbsent(server == null ? "" : server, s -> new Semaphore(PER_SERVER));
        gate.acquireUninterruptibly();
        try {
            return call.get();
        } finally {
            gate.release();
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
