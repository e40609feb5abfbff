package com.comfyjobs.recovery;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.PurgeResult;
import com.comfyjobs.job.StaleBatch;
import com.comfyjobs.observability.JsonLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One run over every shard: each shard under its lock (overlapping runs start on different shards
 * instead of queueing behind one another's locks), its stale jobs handled batch by batch (what the
 * {@link Handler} settles for a whole batch on the sweep's thread, the rest job by job on a pool of
 * threads), then the usage of its ended jobs whose usage step was lost counted, then its terminal jobs
 * past retention purged; all before the deadline.
 */
final class Sweep {
    /** What a run does with each batch of stale jobs. */
    interface Handler {
        /** Settles what it can for the whole batch at once; answers the work left, one task per job, for the pool. */
        List<Task> plan(List<Job> batch, RecoverySummary summary);
    }

    /** The work left for one job. */
    record Task(String jobId, Runnable work) {
    }

    static final int BATCH = 200;
    static final int THREADS = 16;
    static final int PURGE_BATCH = 500;
    static final int SETTLE_BATCH = 500;
    /**
     * Ends younger than this are left to their own terminal path: its usage step follows the
     * transition within a command timeout, and a write's finish time is its Lambda's clock.
     */
    static final Duration SETTLE_LAG = Duration.ofMinutes(1);
    /** The lock outlives the run's deadline by this much, for the last calls in flight. */
    private static final Duration LOCK_MARGIN = Duration.ofSeconds(30);

    private final JobStore store;
    private final Duration retention;
    private final Clock clock;

    Sweep(JobStore store, Duration retention, Clock clock) {
        this.store = store;
        this.retention = retention;
        this.clock = clock;
    }

    /** Hands every job without news for {@code quietFor} to {@code handler}, batch by batch. */
    RecoverySummary run(Instant deadline, Duration quietFor, Handler handler) {
        long started = System.nanoTime();
        RecoverySummary summary = new RecoverySummary();
        String owner = UUID.randomUUID().toString();
        // a shard with nothing to do is not locked, walked and purged: that was four round trips each for nothing
        List<Integer> shards = new ArrayList<>(store.shardsWithWork(now().minus(quietFor), now().minus(retention), now().minus(SETTLE_LAG)));
        Collections.shuffle(shards);
        if (shards.isEmpty()) {
            summary.durationMs = (System.nanoTime() - started) / 1_000_000;
            return summary;
        }
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
                    shard(shard, deadline, quietFor, handler, summary, workers);
                    if (now().isBefore(deadline)) {
                        summary.usageSettled.addAndGet(store.settleUsage(shard, now().minus(SETTLE_LAG), SETTLE_BATCH));
                    }
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
        return summary;
    }

    /**
     * Walks the shard's stale range once, oldest first, batch by batch: a job handled here gets a fresh
     * heartbeat and leaves the range, and the walk goes on past any it could not settle or read, so
     * no number of stuck or corrupt jobs hides the ones behind them.
     */
    private void shard(int shard, Instant deadline, Duration quietFor, Handler handler, RecoverySummary summary,
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
            for (Task task : plan(handler, batch.jobs(), summary)) {
                running.add(workers.submit(() -> {
                    if (!now().isBefore(deadline)) {
                        summary.skipped.incrementAndGet();
                        summary.stoppedEarly = true;
                        return;
                    }
                    try {
                        task.work().run();
                    } catch (RuntimeException e) {
                        summary.skipped.incrementAndGet();
                        JsonLog.error("reconciling a job failed", e, "jobId", task.jobId());
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

    /** A batch whose planning failed is counted as skipped: its jobs stay stale for the next run. */
    private static List<Task> plan(Handler handler, List<Job> jobs, RecoverySummary summary) {
        try {
            return handler.plan(jobs, summary);
        } catch (RuntimeException e) {
            summary.skipped.addAndGet(jobs.size());
            JsonLog.error("reconciling a batch of stale jobs failed", e, "jobs", jobs.size());
            return List.of();
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
