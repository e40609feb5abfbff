package com.comfyjobs.recovery;

import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.ComfyUiSettings;
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
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.TransitionResult;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.live.LiveUpdates;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.observability.JsonLog;
import com.comfyjobs.progress.FinalizeOutcome;
import com.comfyjobs.progress.Finalizer;
import com.comfyjobs.submit.DispatchResult;
import com.comfyjobs.submit.Dispatcher;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Carries out what {@link Reconciler} decided for one stale job: every change is guarded by the
 * job's attempt and by its being unchanged since it was read, so a decision taken on a read that
 * a webhook overtook changes nothing. The lookups, copies, resubmissions and expiry stops made here
 * pass the server's {@link ServerGate}; what the {@link Dispatcher} does for RESUME and MOVE, and the
 * stop of STOP_AND_WAIT, is bounded only by the sweep's threads.
 */
final class RecoveryActions {
    private final JobStore store;
    private final ComfyUiPool pool;
    private final Dispatcher dispatcher;
    private final Finalizer finalizer;
    private final PromptStopper stopper;
    private final ServiceSettings settings;
    private final Clock clock;
    private final JobObserver observer;
    private final LiveUpdates live;
    private final ServerGate gate = new ServerGate();
    private final Map<String, QueueCache> queues = new ConcurrentHashMap<>();
    private final RecoverySettings recoverySettings;
    private final ExecutorService queueReaders = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "recovery-queue-read");
        t.setDaemon(true);
        return t;
    });

    RecoveryActions(JobStore store, ComfyUiPool pool, Dispatcher dispatcher, Finalizer finalizer, ServiceSettings settings,
                    RecoverySettings recoverySettings, Clock clock, JobObserver observer, LiveUpdates live) {
        this.recoverySettings = recoverySettings;
        this.live = live;
        this.store = store;
        this.pool = pool;
        this.dispatcher = dispatcher;
        this.finalizer = finalizer;
        this.stopper = new PromptStopper(pool);
        this.settings = settings;
        this.clock = clock;
        this.observer = observer;
    }

    /** Reconciles one stale job against ComfyUI. */
    void reconcile(Job job, RecoverySummary summary) {
        Instant began = now();
        boolean overran = overran(job);
        switch (Reconciler.first(job, overran)) {
            case FINISH_OVERRUN -> finish(job, summary, began, true);
            case EXPIRE -> expire(job, summary);
            case FINISH -> finish(job, summary, began, false);
            case RESUME -> countDispatch(dispatcher.resume(job), summary, "never accepted", began);
            case LOOK, LOOK_BEFORE_EXPIRING -> {
                PromptLocation where = locate(job);
                HistoryEntry.Outcome entry = where.entry() == null ? null : where.entry().outcome();
                act(job, Reconciler.then(job, where.place(), entry, overran, settings.maxAttempts()), where, summary, began);
            }
        }
    }

    /**
     * Decides the batch's jobs whose server has several stale jobs from one read of that server's history
     * and queue ({@link ServerSnapshots}) instead of three calls each, and writes the decisions that need
     * nothing but a write (settle as failed or canceled, give up, alive) for the whole batch at once
     * ({@link JobStore#transitionAll}): each write is the one {@link #reconcile} would make, guarded the
     * same way. Answers the rest for the pool: jobs decided here whose decision calls ComfyUI again
     * (finish, resubmit, stop, expire), and jobs the snapshot cannot place, reconciled one by one.
     */
    List<Sweep.Task> plan(List<Job> batch, RecoverySummary summary, ServerSnapshots snapshots) {
        Instant began = now();
        Map<String, Integer> lookups = new HashMap<>();
        for (Job job : batch) {
            if (needsLookup(job)) {
                lookups.merge(job.comfyServer(), 1, Integer::sum);
            }
        }
        List<Sweep.Task> tasks = new ArrayList<>();
        List<Job> written = new ArrayList<>();
        List<Reconciler.Then> decided = new ArrayList<>();
        List<Transition> writes = new ArrayList<>();
        for (Job job : batch) {
            boolean overran = overran(job);
            Optional<PromptLocation> found = needsLookup(job)
                    ? snapshots.of(job.comfyServer(), lookups.get(job.comfyServer())).flatMap(s -> s.locate(job)) : Optional.empty();
            if (found.isEmpty()) {
                tasks.add(new Sweep.Task(job.id(), () -> reconcile(job, summary)));
                continue;
            }
            PromptLocation where = found.get();
            HistoryEntry.Outcome entry = where.entry() == null ? null : where.entry().outcome();
            Reconciler.Then then = Reconciler.then(job, where.place(), entry, overran, settings.maxAttempts());
            Transition write = writeOnly(job, then, where);
            if (write == null) {
                tasks.add(new Sweep.Task(job.id(), () -> act(job, then, where, summary, began)));
            } else {
                written.add(job);
                decided.add(then);
                writes.add(write);
            }
        }
        applyAll(written, decided, writes, summary);
        return tasks;
    }

    /** Whether {@link #reconcile} would ask the job's server where its prompt is. */
    private boolean needsLookup(Job job) {
        Reconciler.First first = Reconciler.first(job, overran(job));
        return (first == Reconciler.First.LOOK || first == Reconciler.First.LOOK_BEFORE_EXPIRING) && job.comfyServer() != null;
    }

    /** The one write a decision needs when it needs nothing else; null when it calls ComfyUI or reads again. */
    private Transition writeOnly(Job job, Reconciler.Then then, PromptLocation where) {
        return switch (then) {
            case SETTLE_FAILED, SETTLE_INTERRUPTED -> settleTransition(job, JobStatus.FAILED, where.entry().error());
            case SETTLE_CANCELED, CANCEL -> settleTransition(job, JobStatus.CANCELED, null);
            case GIVE_UP -> settleTransition(job, JobStatus.FAILED, JobError.of("lost", lostReason(job)));
            case ALIVE -> aliveTransition(job, where.place());
            default -> null;
        };
    }

    private void applyAll(List<Job> jobs, List<Reconciler.Then> decided, List<Transition> writes, RecoverySummary summary) {
        if (writes.isEmpty()) {
            return;
        }
        for (int i = 0; i < jobs.size(); i++) {
            if (decided.get(i) == Reconciler.Then.GIVE_UP) {
                observer.recoveryFailed(jobs.get(i), lostReason(jobs.get(i)));
            }
        }
        List<TransitionResult> results;
        try {
            results = store.transitionAll(writes);
        } catch (RuntimeException e) {
            // which of them were made is unknown, as after a lost reply; each is guarded, so the next run decides again
            summary.skipped.addAndGet(writes.size());
            JsonLog.error("writing a batch of recovery decisions failed", e, "jobs", writes.size());
            return;
        }
        for (int i = 0; i < results.size(); i++) {
            switch (decided.get(i)) {
                case ALIVE -> countAlive(results.get(i), summary);
                case SETTLE_CANCELED, CANCEL -> countSettled(results.get(i), JobStatus.CANCELED, summary);
                default -> countSettled(results.get(i), JobStatus.FAILED, summary);
            }
        }
    }

    private static String lostReason(Job job) {
        return "ComfyUI lost the job " + job.attempt() + " times (restarts); giving up";
    }

    /** The snapshots of one run: every server's history and queue read at most once per {@link ServerSnapshots#FRESH_FOR}. */
    ServerSnapshots snapshots(Instant deadline) {
        return new ServerSnapshots(pool::client, gate, recoverySettings.historyBytes(), deadline, this::now);
    }

    /** The manual cleanup of a job without news for too long: stopped on ComfyUI where possible, failed now. */
    void failOrphan(Job job, RecoverySummary summary) {
        stopOnComfyUi(job);
        String reason = "orphaned: no news since " + job.heartbeatAt() + "; failed by manual cleanup";
        settle(job, JobStatus.FAILED, JobError.of("orphaned", reason), summary);
        observer.recoveryFailed(job, reason);
    }

    private void act(Job job, Reconciler.Then then, PromptLocation where, RecoverySummary summary, Instant began) {
        switch (then) {
            case SETTLE_SUCCEEDED -> {
                TransitionResult r = store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt())
                        .expectUnchangedSince(job.updatedAt()).observed()
                        .status(JobStatus.FINALIZING).addOutputs(where.entry().outputs(), settings.maxOutputs()).returnJob().build());
                live.push(r);
                if (r.applied()) {
                    finish(r.job(), summary, began, false);
                } else {
                    summary.skipped.incrementAndGet();
                }
            }
            case SETTLE_FAILED, SETTLE_INTERRUPTED -> settle(job, JobStatus.FAILED, where.entry().error(), summary);
            case SETTLE_CANCELED, CANCEL -> settle(job, JobStatus.CANCELED, null, summary);
            case KEEP_WAITING -> {
                if (store.refreshHeartbeat(job.id(), job.attempt(), now())) {
                    summary.recovered.incrementAndGet();
                }
            }
            case ALIVE, STOP_AND_WAIT -> alive(job, then == Reconciler.Then.STOP_AND_WAIT, where.place(), summary);
            case RESUBMIT -> resubmit(job, summary, began);
            case GIVE_UP -> {
                observer.recoveryFailed(job, lostReason(job));
                settle(job, JobStatus.FAILED, JobError.of("lost", lostReason(job)), summary);
            }
            case MOVE -> move(job, summary, began);
            case WAIT_FOR_SERVER -> {
                store.refreshHeartbeat(job.id(), job.attempt(), now());
                summary.skipped.incrementAndGet();
            }
            case EXPIRE -> expire(job, summary);
        }
    }

    private void alive(Job job, boolean stop, PromptLocation.Place place, RecoverySummary summary) {
        if (stop) {
            stopper.stop(job.promptId(), job.comfyServer());
        }
        countAlive(store.transition(aliveTransition(job, place)), summary);
    }

    private Transition aliveTransition(Job job, PromptLocation.Place place) {
        Transition.Builder alive = Transition.of(job.id(), now()).expectAttempt(job.attempt()).expectStatus(JobStatus.live()).observed();
        if (place == PromptLocation.Place.RUNNING && job.status() == JobStatus.QUEUED) {
            // its start event never arrived: what ComfyUI shows now is when it started, as far as we can know,
            // and the runtime limit counts from there
            alive.status(JobStatus.RUNNING);
        }
        return alive.build();
    }

    private void countAlive(TransitionResult r, RecoverySummary summary) {
        live.push(r);
        if (r.applied()) {
            summary.recovered.incrementAndGet();
        } else {
            summary.skipped.incrementAndGet();
        }
    }

    /** Where the job's current prompt is on its server, sharing one /queue answer per server per sweep. */
    private PromptLocation locate(Job job) {
        ComfyUiClient client = pool.client(job.comfyServer());
        QueueCache queue = queueOf(job.comfyServer());
        return gate.call(job.comfyServer(), () -> PromptLocation.find(client, job.promptId(), queue::get));
    }

    private QueueCache queueOf(String server) {
        return queues.computeIfAbsent(server, s -> new QueueCache(pool.client(s), clock));
    }

    /**
     * Reads every pool server's /queue, drained ones included, all at once and beside the sweep,
     * whose lookups share the answers, and reports each server's load; a server that does not answer
     * is reported unreachable. Completes when every server was reported.
     */
    CompletableFuture<Void> reportServerLoad() {
        List<CompletableFuture<Void>> reads = new ArrayList<>();
        for (URI server : pool.servers()) {
            String s = server.toString();
            reads.add(CompletableFuture.runAsync(() -> {
                Reply<QueueSnapshot> queue = gate.call(s, () -> queueOf(s).get());
                if (queue instanceof Reply.Ok<QueueSnapshot> ok) {
                    observer.serverLoad(ComfyUiSettings.nameOf(server), ok.value().pending().size(), ok.value().running().size());
                } else {
                    observer.serverUnreachable(ComfyUiSettings.nameOf(server));
                }
            }, queueReaders));
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new));
    }

    /**
     * Copies a finalizing job's outputs. When ComfyUI forgot them, the job is decided again on what the
     * finalizer left (its lease changed the job): gone, so run again, or expired when it overran.
     */
    private void finish(Job job, RecoverySummary summary, Instant began, boolean overran) {
        FinalizeOutcome r = gate.call(job.comfyServer(), () -> finalizer.finalize(job, settings.finalizeBudget()));
        switch (r) {
            case SUCCEEDED -> {
                summary.recovered.incrementAndGet();
                observer.jobRecovered(job, "finalized", Duration.between(began, now()));
            }
            case FAILED -> summary.failed.incrementAndGet();
            case OUTPUTS_FORGOTTEN -> store.findById(job.id())
                    .filter(j -> j.status() == JobStatus.FINALIZING && j.attempt() == job.attempt())
                    .ifPresentOrElse(j -> act(j, overran ? Reconciler.Then.EXPIRE : Reconciler.gone(j, settings.maxAttempts()),
                            new PromptLocation(PromptLocation.Place.ABSENT, null, null), summary, began), summary.skipped::incrementAndGet);
            default -> summary.skipped.incrementAndGet();
        }
    }

    /** Runs the job again as its next attempt, on the least loaded server. */
    private void resubmit(Job job, RecoverySummary summary, Instant began) {
        Optional<Workflow> workflow = store.findWorkflow(job.id());
        if (workflow.isEmpty()) {
            settle(job, JobStatus.FAILED, JobError.of("workflow_missing", "the stored workflow is gone; the job cannot be resubmitted"), summary);
            return;
        }
        // none answered the probe: the job's own server just answered the lookup, so it runs there
        // again, unless it is drained; then the job waits for a server to take it
        Optional<ComfyUiClient> chosen = pool.choose();
        if (chosen.isEmpty() && pool.drained(job.comfyServer())) {
            store.refreshHeartbeat(job.id(), job.attempt(), now());
            summary.skipped.incrementAndGet();
            return;
        }
        ComfyUiClient target = chosen.orElse(pool.client(job.comfyServer()));
        int attempt = job.attempt() + 1;
        TransitionResult r = store.transition(Transition.of(job.id(), now()).expectAttempt(job.attempt())
                .expectUnchangedSince(job.updatedAt())
                .requeue(attempt, target.baseUrl().toString(), PromptIds.of(job.id(), attempt))
                .acquireLease(Dispatcher.newLeaseOwner(), now().plus(settings.dispatchLease())).returnJob().build());
        live.push(r);
        if (!r.applied()) {
            summary.skipped.incrementAndGet();
            return;
        }
        DispatchResult d = gate.call(target.baseUrl().toString(), () -> dispatcher.submitNew(r.job(), workflow.get()));
        countDispatch(d, summary, "lost", began);
    }

    /** The server does not answer: the next attempt on another one. */
    private void move(Job job, RecoverySummary summary, Instant began) {
        Optional<Workflow> workflow = store.findWorkflow(job.id());
        if (workflow.isEmpty()) {
            store.refreshHeartbeat(job.id(), job.attempt(), now());
            summary.skipped.incrementAndGet();
            return;
        }
        DispatchResult d = dispatcher.moveToAnotherServer(job, workflow.get(), List.of(job.comfyServer()));
        if (d.outcome() == DispatchResult.Outcome.DEFERRED) {
            // nowhere to go now: look again after STALE_AFTER; the runtime limit still ends it in time
            store.refreshHeartbeat(job.id(), d.job().attempt(), now());
        }
        countDispatch(d, summary, "server unreachable", began);
    }

    private void countDispatch(DispatchResult d, RecoverySummary summary, String why, Instant began) {
        switch (d.outcome()) {
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
        live.push(r);
        if (r.becameTerminal()) {
            summary.expired.incrementAndGet();
            observer.jobFinished(r.job());
            observer.recoveryFailed(r.job(), reason);
        } else {
            summary.skipped.incrementAndGet();
        }
    }

    /** Whether or not its submission was confirmed: a job given a server may be there (a lost answer). */
    private void stopOnComfyUi(Job job) {
        if (job.comfyServer() != null || job.isSubmitted()) {
            gate.call(job.comfyServer(), () -> stopper.stop(job.promptId(), job.comfyServer()));
        }
    }

    private void settle(Job job, JobStatus status, JobError error, RecoverySummary summary) {
        countSettled(store.transition(settleTransition(job, status, error)), status, summary);
    }

    private Transition settleTransition(Job job, JobStatus status, JobError error) {
        Transition.Builder t = Transition.of(job.id(), now()).expectAttempt(job.attempt()).expectUnchangedSince(job.updatedAt())
                .status(status).returnJob();
        if (error != null && status != JobStatus.CANCELED) {
            t.error(error);
        }
        return t.build();
    }

    private void countSettled(TransitionResult r, JobStatus status, RecoverySummary summary) {
        live.push(r);
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

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
