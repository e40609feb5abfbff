package com.comfyjobs.job;

import static com.comfyjobs.testing.JobFixtures.newJob;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.testing.JobFixtures;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Real threads racing one real store: 32 workers fire progress events, repeated event ids and
 * competing terminal transitions at the same jobs while an observer reads them, and 32 callers race
 * admissions against one cap and one Idempotency-Key; each job ends, and is counted in its user's usage,
 * exactly once. Every store runs exactly these tests; subclasses
 * only say how to make a fresh, empty store (each test closes the one it made).
 */
public abstract class JobStoreConcurrencyContract {
    private static final int THREADS = 32;
    private static final int JOBS = 40;
    private static final int ROUNDS = 60;

    /** A new store that shares no data with any other test's store. */
    protected abstract JobStore newStore();

    @Test
    void racingWorkersLeaveOneTerminalStateMonotonicProgressAndTrueCounters() throws Exception {
        try (JobStore store = newStore()) {
            Instant t0 = JobFixtures.now();
            List<Job> jobs = new ArrayList<>();
            for (int i = 0; i < JOBS; i++) {
                jobs.add(store.create(newJob("user-" + (i % 5), t0)).job());
            }
            Map<String, AtomicInteger> terminalWins = new ConcurrentHashMap<>();
            Map<String, AtomicInteger> eventApplied = new ConcurrentHashMap<>();
            AtomicInteger duplicatesRefused = new AtomicInteger();
            jobs.forEach(j -> terminalWins.put(j.id(), new AtomicInteger()));
            AtomicBoolean racing = new AtomicBoolean(true);
            AtomicReference<String> regression = new AtomicReference<>();

            ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
            Future<?> observer = pool.submit(() -> {
                Map<String, Double> lastSeen = new ConcurrentHashMap<>();
                while (racing.get()) {
                    for (Job j : jobs) {
                        Job now = store.findById(j.id()).orElseThrow();
                        Double before = lastSeen.put(j.id(), now.progress());
                        if (before != null && now.progress() < before) {
                            regression.compareAndSet(null, j.id() + ": " + before + " -> " + now.progress());
                        }
                    }
                }
            });
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < THREADS; w++) {
                final int worker = w;
                workers.add(pool.submit(() -> {
                    go.await();
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int round = 0; round < ROUNDS; round++) {
                        Job j = jobs.get(rnd.nextInt(JOBS));
                        Instant at = t0.plusMillis(round * 10L + worker);
                        int kindOfMove = rnd.nextInt(10);
                        TransitionResult r;
                        if (kindOfMove < 6) {
                            // the same small set of event ids is fired by many workers: each must apply once, both
                            // an id with its own marker and one numbered as the bridge numbers them (kept as ranges)
                            String eventId = rnd.nextBoolean() ? "evt-" + rnd.nextInt(20) : "msg_race_" + rnd.nextInt(20) + ":0";
                            r = store.transition(Transition.of(j.id(), at).eventId(eventId, Duration.ofMinutes(5))
                                    .status(JobStatus.RUNNING).progress(rnd.nextDouble()).build());
                            if (r.applied()) {
                                eventApplied.computeIfAbsent(j.id() + "/" + eventId, k -> new AtomicInteger()).incrementAndGet();
                            } else if (r.outcome() == TransitionOutcome.DUPLICATE_EVENT) {
                                duplicatesRefused.incrementAndGet();
                            }
                        } else if (kindOfMove < 8) {
                            r = store.transition(Transition.of(j.id(), at).status(JobStatus.FINALIZING).build());
                        } else {
                            JobStatus end = List.of(JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.EXPIRED)
                                    .get(rnd.nextInt(4));
                            r = store.transition(Transition.of(j.id(), at).status(end).build());
                        }
                        if (r.becameTerminal()) {
                            terminalWins.get(j.id()).incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : workers) {
                f.get();
            }
            // finish every job that is still live, racing again, so each must end exactly once
            List<Future<?>> finishers = new ArrayList<>();
            for (int w = 0; w < THREADS; w++) {
                finishers.add(pool.submit(() -> {
                    for (Job j : jobs) {
                        for (JobStatus end : List.of(JobStatus.FAILED, JobStatus.CANCELED, JobStatus.EXPIRED)) {
                            if (store.updateStatus(j.id(), end, t0.plusSeconds(60)).becameTerminal()) {
                                terminalWins.get(j.id()).incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : finishers) {
                f.get();
            }
            racing.set(false);
            observer.get();
            pool.shutdown();

            assertEquals(null, regression.get(), "progress went down");
            for (Job j : jobs) {
                assertEquals(1, terminalWins.get(j.id()).get(), "terminal transitions won for " + j.id());
                assertTrue(store.findById(j.id()).orElseThrow().isTerminal());
            }
            eventApplied.forEach((k, n) -> assertEquals(1, n.get(), "event applied more than once: " + k));
            // how many distinct events applied before the jobs ended depends on the draw; a repeated id refused does not
            assertTrue(duplicatesRefused.get() > 0, "the race exercised repeated event ids");

            Map<JobStatus, Long> recount = new EnumMap<>(JobStatus.class);
            for (JobStatus s : JobStatus.values()) {
                recount.put(s, 0L);
            }
            for (Job j : jobs) {
                recount.merge(store.findById(j.id()).orElseThrow().status(), 1L, Long::sum);
            }
            assertEquals(recount, store.countByStatus());
            for (int u = 0; u < 5; u++) {
                assertEquals(0, store.countActiveByUserId("user-" + u), "live index empties as jobs end");
            }
            // usage counts each racing job once, as it ended, with the GPU time the job itself shows
            for (int u = 0; u < 5; u++) {
                String user = "user-" + u;
                LocalDate day = UsageDay.dayOf(t0);
                UsageDay expected = UsageDay.empty(day);
                for (Job j : jobs) {
                    if (j.userId().equals(user)) {
                        Job end = store.findById(j.id()).orElseThrow();
                        expected = expected.plusSubmitted().plusEnded(end.status(), end.gpuMillis());
                    }
                }
                UsageDay counted = store.usage(user, day.minusDays(1), day.plusDays(1)).stream().reduce(UsageDay.empty(day), UsageDay::plus);
                assertEquals(expected, counted, "usage of " + user);
            }
        }
    }

    @Test
    void concurrentAdmissionsNeverExceedTheCapOrReuseAKey() throws Exception {
        try (JobStore store = newStore()) {
            Instant t0 = JobFixtures.now();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<CreateResult>> capped = new ArrayList<>();
            List<Future<CreateResult>> keyed = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                capped.add(pool.submit(() -> {
                    go.await();
                    return store.create(new NewJob(JobFixtures.queued("capped", t0), JobFixtures.defaultWorkflow(), 5, null));
                }));
                keyed.add(pool.submit(() -> {
                    go.await();
                    return store.create(JobFixtures.withKey(JobFixtures.queued("keyed", t0), "same-key", "same-payload"));
                }));
            }
            go.countDown();
            int created = 0;
            for (Future<CreateResult> f : capped) {
                created += f.get().outcome() == CreateResult.Outcome.CREATED ? 1 : 0;
            }
            assertEquals(5, created);
            assertEquals(5, store.countActiveByUserId("capped"));
            int keyedCreated = 0;
            for (Future<CreateResult> f : keyed) {
                CreateResult r = f.get();
                if (r.outcome() == CreateResult.Outcome.CREATED) {
                    keyedCreated++;
                } else {
                    assertEquals(CreateResult.Outcome.IDEMPOTENT_REPLAY, r.outcome());
                }
            }
            assertEquals(1, keyedCreated);
            assertEquals(1, store.countByUserId("keyed"));
            pool.shutdown();
        }
    }
}
