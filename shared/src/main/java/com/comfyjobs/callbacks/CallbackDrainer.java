package com.comfyjobs.callbacks;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.observability.JsonLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The schedule that carries callbacks' retries, and the first tries no function made (its transition
 * came from recovery, a cancel or a refused submission, or the function died after the transition):
 * the DeliverCallbacks function, started every minute, claims what is due in every shard's outbox
 * and sends it, {@code concurrency} at a time, again and again until its deadline; it looks again
 * every {@link #POLL} (sooner when something comes due sooner), so a retry goes out within about a
 * second of its time while it runs. It stops early once no outbox holds anything, waiting or claimed:
 * a quiet system costs one look per shard a minute.
 *
 * <p>Two runs at once (or a run and a function's first try) never lose a delivery: a claim gives one
 * sender the job's callbacks for {@link CallbackSender#CLAIM}; a sender that dies is replaced when the
 * claim runs out and the delivery goes again with the same webhook-id (at least once).
 */
public final class CallbackDrainer implements AutoCloseable {
    static final Duration POLL = Duration.ofSeconds(1);
    private static final Duration LEAST_PAUSE = Duration.ofMillis(20);

    private final JobStore store;
    private final CallbackSender sender;
    private final Clock clock;
    private final int concurrency;
    private final ExecutorService pool;

    public CallbackDrainer(JobStore store, CallbackSender sender, Clock clock, int concurrency) {
        this.store = store;
        this.sender = sender;
        this.clock = clock;
        this.concurrency = concurrency;
        this.pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "callbacks");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Sends what comes due until {@code deadline} (claiming new work stops {@link CallbackSender#TIMEOUT}
     * before it, so every send ends in time), or until nothing waits anywhere; answers when every send
     * it started has ended.
     */
    public DrainSummary drain(Instant deadline) {
        Run run = new Run();
        Instant lastClaim = deadline.minus(CallbackSender.TIMEOUT);
        // an interrupted run (its process is stopping) claims nothing more; what it sent is still recorded
        while (clock.instant().isBefore(lastClaim) && !Thread.currentThread().isInterrupted()) {
            // with every sender busy, a pass would only ask Redis for work nobody can take
            if (!run.awaitFreeSender(POLL)) {
                continue;
            }
            if (run.pass() > 0) {
                continue;
            }
            Optional<Instant> next = earliestWaiting();
            if (next.isEmpty()) {
                break;
            }
            Instant now = clock.instant();
            Instant wake = next.get().isBefore(now.plus(POLL)) ? next.get() : now.plus(POLL);
            pause(Duration.between(now, wake));
        }
        return run.finish();
    }

    /** One pass over every shard, sending everything due now, and answers when those sends have ended: for tests and tools. */
    public DrainSummary drainDue() {
        Run run = new Run();
        while (run.pass() > 0) {
            run.awaitIdle();
        }
        return run.finish();
    }

    private Optional<Instant> earliestWaiting() {
        Instant earliest = null;
        for (int s = 0; s < store.shardCount(); s++) {
            Optional<Instant> due = store.earliestCallbackDue(s);
            if (due.isPresent() && (earliest == null || due.get().isBefore(earliest))) {
                earliest = due.get();
            }
        }
        return Optional.ofNullable(earliest);
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(Math.max(LEAST_PAUSE.toMillis(), d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One run's claim token, its sends in flight and what they came to. */
    private final class Run {
        private final String owner = CallbackSender.newOwner();
        private final Semaphore free = new Semaphore(concurrency);
        private final Map<SendOutcome, Integer> tries = Collections.synchronizedMap(new EnumMap<>(SendOutcome.class));
        private int passes;

        /** Claims what is due in each shard, in a random order, as far as free senders go; answers how many it claimed. */
        int pass() {
            passes++;
            List<Integer> shards = new ArrayList<>();
            for (int s = 0; s < store.shardCount(); s++) {
                shards.add(s);
            }
            Collections.shuffle(shards);
            int claimed = 0;
            for (int shard : shards) {
                int slots = free.availablePermits();
                if (slots == 0) {
                    break;
                }
                Instant now = clock.instant();
                List<Job> jobs;
                try {
                    jobs = store.claimDueCallbacks(shard, now, slots, owner, now.plus(CallbackSender.CLAIM));
                } catch (RuntimeException e) {
                    JsonLog.error("claiming due callbacks failed; the next pass tries again", e, "shard", shard);
                    continue;
                }
                for (Job job : jobs) {
                    free.acquireUninterruptibly();
                    pool.execute(() -> {
                        try {
                            tries.merge(sender.send(job, owner, CallbackSender.TIMEOUT), 1, Integer::sum);
                        } finally {
                            free.release();
                        }
                    });
                }
                claimed += jobs.size();
            }
            return claimed;
        }

        /** True once a sender is free, false when none became free within {@code max}. */
        boolean awaitFreeSender(Duration max) {
            try {
                if (free.tryAcquire(max.toMillis(), TimeUnit.MILLISECONDS)) {
                    free.release();
                    return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        }

        void awaitIdle() {
            free.acquireUninterruptibly(concurrency);
            free.release(concurrency);
        }

        DrainSummary finish() {
            awaitIdle();
            return new DrainSummary(passes, tries);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(CallbackSender.TIMEOUT.toSeconds() + 1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
