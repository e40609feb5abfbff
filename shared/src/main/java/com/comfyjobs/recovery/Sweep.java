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
import java.util.function.BiConsumer;

/**
 * One run over every shard: each shard under its lock (overlapping runs start on different shards
 * instead of queueing behind one another's locks), its stale jobs handed to a pool of threads batch
 * by batch, then the usage of its ended jobs whose usage step was lost counted, then its terminal jobs
 * past retention purged; all before the deadline.
 */
final class Sweep {
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

    /** Hands every job without news for {@code quietFor} to {@code handle}, on the pool's threads. */
    RecoverySummary run(Instant deadline, Duration quietFor, BiConsumer<Job, RecoverySummary> handle) {
        long started = System.nanoTime();
        RecoverySummary summary = new RecoverySummary();
        String owner = UUID.randomUUID().toString();
        List<Integer> shards = new ArrayList<>();
        for (int s = 0; s < store.shardCount(); s++) {
            shards.add(s);
        }
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
                    shard(shard, deadline, quietFor, handle, summary, workers);
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
    private void shard(int shard, Instant deadline, Duration quietFor, BiConsumer<Job, RecoverySummary> handle, RecoverySummary summary,
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
                        handle.accept(job, summary);
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

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
