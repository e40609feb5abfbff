package com.comfyjobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.comfyjobs.job.redis.LuaScript;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.TcpProxy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A job's end is counted in its user's usage by the step that takes it out of the user's live index,
 * in the user's slot, after the terminal transition in the job's shard. Against a real redis-server:
 * that step lost with the Lambda that made it is counted by recovery's settling or by the cap's repair
 * of the index, once, however many of them race; a usage step or an admission whose reply was lost and
 * which the client sent again counts once.
 */
class UsageExactlyOnceIT {
    private static final int STUCK = 12;
    private static final int SETTLERS = 4;

    private static RedisNode node;
    private static TcpProxy proxy;

    @BeforeAll
    static void start() {
        node = RedisNode.standalone();
        proxy = new TcpProxy(node.uri());
    }

    @AfterAll
    static void stop() {
        proxy.close();
        node.close();
    }

    private static RedisSettings settings(String prefix, boolean throughProxy) {
        return RedisSettings.of(throughProxy ? proxy.endpoint() : node.uri(), false).withKeyPrefix(prefix);
    }

    private static void loseReplyToNext(String script, TcpProxy.Ending ending) {
        proxy.loseReplyToNext(LuaScript.load(script).sha().getBytes(StandardCharsets.US_ASCII), ending);
    }

    private static UsageDay total(JobStore store, String user, Instant at) {
        LocalDate day = UsageDay.dayOf(at);
        return store.usage(user, day.minusDays(1), day.plusDays(1)).stream().reduce(UsageDay.empty(day), UsageDay::plus);
    }

    @Test
    void endsWhoseUsageStepDiedAreCountedOnceByRacingSettlesAndTheCapsRepair() throws Exception {
        String prefix = "usage-race" + System.nanoTime();
        String user = JobFixtures.user();
        Instant t = JobFixtures.now();
        long gpu = 0;
        try (RedisJobStore store = RedisJobStore.connect(settings(prefix, true))) {
            store.prime();
            for (int i = 0; i < STUCK; i++) {
                Job j = store.create(new NewJob(JobFixtures.queued(user, t), JobFixtures.defaultWorkflow(), STUCK, null)).job();
                store.updateStatus(j.id(), JobStatus.RUNNING, t.plusSeconds(1));
                // the terminal transition runs, then its Lambda is gone: no second step in the user's slot
                loseReplyToNext("transition.lua", TcpProxy.Ending.RESET);
                try {
                    Transition end = Transition.of(j.id(), t.plusSeconds(2 + i)).status(JobStatus.FAILED).build();
                    assertThrows(StateStoreUnavailableException.class, () -> store.transition(end));
                } finally {
                    proxy.keepReplies();
                }
                gpu += (1 + i) * 1000L;
            }
            assertEquals(STUCK, store.findByUserId(user, Set.of(JobStatus.FAILED), 100, null).jobs().size(), "every end was written");
            assertEquals(0, total(store, user, t).failed(), "the ends are not counted yet");
        }

        ExecutorService threads = Executors.newFixedThreadPool(SETTLERS + 1);
        CountDownLatch go = new CountDownLatch(1);
        List<RedisJobStore> stores = new ArrayList<>();
        List<Future<Integer>> counted = new ArrayList<>();
        try {
            for (int s = 0; s < SETTLERS; s++) {
                RedisJobStore settler = RedisJobStore.connect(settings(prefix, false));
                stores.add(settler);
                counted.add(threads.submit(() -> {
                    go.await();
                    int n = 0;
                    for (int shard = 0; shard < settler.shardCount(); shard++) {
                        n += settler.settleUsage(shard, Instant.now().plusSeconds(60), 500);
                    }
                    return n;
                }));
            }
            RedisJobStore submitter = RedisJobStore.connect(settings(prefix, false));
            stores.add(submitter);
            Future<CreateResult> atCap = threads.submit(() -> {
                go.await();
                return submitter.create(new NewJob(JobFixtures.queued(user, t.plusSeconds(60)), JobFixtures.defaultWorkflow(), STUCK, null));
            });
            go.countDown();
            int settled = 0;
            for (Future<Integer> f : counted) {
                settled += f.get();
            }
            assertEquals(CreateResult.Outcome.CREATED, atCap.get().outcome(), "the cap's repair dropped the ended jobs' entries");
            UsageDay total = total(submitter, user, t);
            assertEquals(STUCK, total.failed(), "each end counted once (" + settled + " by the settles, the rest by the repair)");
            assertEquals(gpu, total.gpuMillis());
            assertEquals(STUCK + 1, total.submitted());
            assertEquals(1, submitter.countActiveByUserId(user));
            int again = 0;
            for (int shard = 0; shard < submitter.shardCount(); shard++) {
                again += submitter.settleUsage(shard, Instant.now().plusSeconds(60), 500);
            }
            assertEquals(0, again, "a settle sent again counts nothing");
        } finally {
            threads.shutdownNow();
            stores.forEach(RedisJobStore::close);
        }
    }

    @Test
    void aUsageStepAndAnAdmissionWhoseRepliesWereLostAndWhichWereSentAgainCountOnce() {
        String user = JobFixtures.user();
        Instant t = JobFixtures.now();
        try (RedisJobStore store = RedisJobStore.connect(settings("usage-replay" + System.nanoTime(), true))) {
            store.prime();
            int lost = proxy.repliesLost();
            loseReplyToNext("admit.lua", TcpProxy.Ending.CLOSE);
            Job j;
            try {
                j = store.create(JobFixtures.newJob(user, t)).job();
            } finally {
                proxy.keepReplies();
            }
            store.updateStatus(j.id(), JobStatus.RUNNING, t.plusSeconds(1));
            store.updateStatus(j.id(), JobStatus.FINALIZING, t.plusSeconds(4));
            loseReplyToNext("usage_end.lua", TcpProxy.Ending.CLOSE);
            try {
                store.updateStatus(j.id(), JobStatus.SUCCEEDED, t.plusSeconds(5));
            } finally {
                proxy.keepReplies();
            }
            assertEquals(lost + 2, proxy.repliesLost(), "both replies were lost and both scripts sent again");
            UsageDay total = total(store, user, t);
            assertEquals(1, total.submitted());
            assertEquals(1, total.succeeded());
            assertEquals(3000, total.gpuMillis());
        }
    }
}
