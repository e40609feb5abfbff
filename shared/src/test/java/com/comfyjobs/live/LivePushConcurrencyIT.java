package com.comfyjobs.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.ClaimedPush;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.Listening;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.TransitionResult;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.JobFixtures;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The push throttle under contention, with real threads against a real redis-server: eight workers
 * apply progress to one listened-to job at once, each making the pushes its answers grant (at once, or
 * at the due time through a claim), as Lambda containers would. Every push the store granted is at
 * least {@link Listening#MIN_GAP} after the one before, an owed push is claimed once, and the last
 * push carries the job's final progress.
 */
class LivePushConcurrencyIT {
    private static final int WORKERS = 8;
    private static final int CHANGES_EACH = 40;
    private static RedisNode redis;
    private static RedisJobStore store;

    @BeforeAll
    static void start() {
        redis = RedisNode.standalone();
        store = RedisJobStore.connect(RedisSettings.of(redis.uri(), false));
    }

    @AfterAll
    static void stop() {
        store.close();
        redis.close();
    }

    private record Push(Instant at, double progress) {
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    @Test
    void grantedPushesAreAGapApartAndTheLastOneCarriesTheFinalProgress() throws Exception {
        Job j = store.create(JobFixtures.newJob("racer", now())).job();
        store.listen(j.id(), "racer", "conn", now().plus(Duration.ofHours(2)));
        assertTrue(store.updateStatus(j.id(), JobStatus.RUNNING, now()).applied());
        List<Push> pushes = new ArrayList<>();
        AtomicInteger step = new AtomicInteger();
        AtomicInteger claimsRefused = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            done.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < CHANGES_EACH; i++) {
                    double p = step.incrementAndGet() / (double) (WORKERS * CHANGES_EACH);
                    Instant at = now();
                    TransitionResult r = store.transition(Transition.of(j.id(), at).progress(p).build());
                    Listening l = r.listening();
                    if (l.push() == Listening.Push.NOW) {
                        synchronized (pushes) {
                            pushes.add(new Push(at, r.job().progress()));
                        }
                    } else if (l.push() == Listening.Push.LATER) {
                        long wait = Duration.between(now(), l.due()).toMillis();
                        if (wait > 0) {
                            Thread.sleep(wait);
                        }
                        Instant claimAt = now();
                        Optional<ClaimedPush> c = store.claimPush(j.id(), l.claim(), claimAt);
                        if (c.isPresent()) {
                            synchronized (pushes) {
                                pushes.add(new Push(claimAt, c.get().job().progress()));
                            }
                        } else {
                            claimsRefused.incrementAndGet();
                        }
                    }
                    Thread.sleep(3);
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();

        pushes.sort(Comparator.comparing(Push::at));
        assertTrue(pushes.size() > 2, pushes.toString());
        for (int i = 1; i < pushes.size(); i++) {
            Duration gap = Duration.between(pushes.get(i - 1).at(), pushes.get(i).at());
            assertFalse(gap.compareTo(Listening.MIN_GAP) < 0, "push " + i + " of " + pushes.size() + " came " + gap.toMillis() + " ms after the one before");
        }
        Job end = store.findById(j.id()).orElseThrow();
        assertEquals(1.0, end.progress());
        assertEquals(end.progress(), pushes.get(pushes.size() - 1).progress(), "the last push carries the final state");
    }
}
