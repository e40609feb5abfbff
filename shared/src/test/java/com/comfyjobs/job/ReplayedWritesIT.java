package com.comfyjobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.redis.LuaScript;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.templates.PublishResult;
import com.comfyjobs.templates.TemplateStore;
import com.comfyjobs.templates.redis.RedisTemplateStore;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.RedisClusterNodes;
import com.comfyjobs.testing.TcpProxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lettuce sends a command again after a reconnect when its reply was lost and its caller still
 * waits, so every script runs a second time now and then (TcpProxy loses the reply after Redis ran
 * it and closes the connection). Each of our writes must recognise itself: the same job admitted and
 * stored once, answered as stored; the same transition applied once, answered as applied; a template
 * version published once, answered as made. On one node and on a cluster (a proxy in front of each
 * master).
 */
class ReplayedWritesIT {
    private static RedisNode node;
    private static TcpProxy nodeProxy;
    private static RedisClusterNodes cluster;

    @BeforeAll
    static void start() {
        node = RedisNode.standalone();
        nodeProxy = new TcpProxy(node.uri());
        cluster = RedisClusterNodes.behindProxies(3);
    }

    @AfterAll
    static void stop() {
        nodeProxy.close();
        node.close();
        cluster.close();
    }

    /** What each test here checks, on one node and then on the cluster, each with a store of its own. */
    private interface OnStore {
        void run(RedisJobStore store, boolean onCluster) throws Exception;
    }

    private static void onNodeAndCluster(OnStore test) throws Exception {
        for (boolean onCluster : new boolean[] {false, true}) {
            try (RedisJobStore store = onCluster ? clusterStore() : nodeStore()) {
                test.run(store, onCluster);
            }
        }
    }

    private static RedisJobStore nodeStore() {
        return RedisJobStore.connect(RedisSettings.of(nodeProxy.endpoint(), false).withKeyPrefix("replay-n" + System.nanoTime()));
    }

    private static RedisJobStore clusterStore() {
        return RedisJobStore.connect(RedisSettings.of(cluster.uri(), true).withKeyPrefix("replay-c" + System.nanoTime()));
    }

    private static List<TcpProxy> proxies(boolean onCluster) {
        return onCluster ? cluster.proxies() : List.of(nodeProxy);
    }

    /** The next call of this script, on whichever server it goes to, runs there and its reply is lost. */
    private static <T> T losingTheReplyOf(String script, boolean onCluster, Supplier<T> call) {
        return losingTheReplyOf(LuaScript.load(script), onCluster, call);
    }

    private static <T> T losingTheReplyOf(LuaScript script, boolean onCluster, Supplier<T> call) {
        byte[] sha = script.sha().getBytes(StandardCharsets.US_ASCII);
        proxies(onCluster).forEach(p -> p.loseReplyToNext(sha, TcpProxy.Ending.CLOSE));
        try {
            return call.get();
        } finally {
            proxies(onCluster).forEach(TcpProxy::keepReplies);
        }
    }

    private static int lost(boolean onCluster) {
        return proxies(onCluster).stream().mapToInt(TcpProxy::repliesLost).sum();
    }

    @Test
    void aJobWhoseInsertReplyWasLostIsStoredOnceAndAnsweredAsStored() {
        aJobWhoseInsertReplyWasLostIsStoredOnce(false);
    }

    @Test
    void aJobWhoseInsertReplyWasLostIsStoredOnceAndAnsweredAsStoredOnACluster() {
        aJobWhoseInsertReplyWasLostIsStoredOnce(true);
    }

    private void aJobWhoseInsertReplyWasLostIsStoredOnce(boolean onCluster) {
        try (RedisJobStore store = onCluster ? clusterStore() : nodeStore()) {
            store.prime();
            int before = lost(onCluster);
            Map<JobStatus, Long> counts = store.countByStatus();
            CreateResult r = losingTheReplyOf("insert.lua", onCluster,
                    () -> store.create(JobFixtures.withKey(JobFixtures.queued("u", JobFixtures.now()), "k", "fp")));
            assertEquals(before + 1, lost(onCluster), "the reply was lost and the script sent again");
            assertEquals(CreateResult.Outcome.CREATED, r.outcome());
            assertTrue(store.findById(r.job().id()).isPresent());
            assertEquals(counts.get(JobStatus.QUEUED) + 1, store.countByStatus().get(JobStatus.QUEUED), "counted once");
            assertEquals(1, store.countByUserId("u"));
            assertTrue(store.findIdempotencyRecord("u", "k").orElseThrow().jobStored());
        }
    }

    @Test
    void anAdmissionWhoseReplyWasLostCountsTheJobOnce() throws Exception {
        onNodeAndCluster((store, onCluster) -> {
        store.prime();
        int before = lost(onCluster);
        CreateResult r = losingTheReplyOf("admit.lua", onCluster,
                () -> store.create(new NewJob(JobFixtures.queued("u", JobFixtures.now()), JobFixtures.defaultWorkflow(), 1, null)));
        assertEquals(before + 1, lost(onCluster));
        assertEquals(CreateResult.Outcome.CREATED, r.outcome(), "at a cap of one, the replay is not a second job");
        assertEquals(1, store.countActiveByUserId("u"));
        assertEquals(1, store.countByUserId("u"));
        });
    }

    @Test
    void aRequeueWhoseReplyWasLostIsAppliedOnce() throws Exception {
        onNodeAndCluster((store, onCluster) -> {
        store.prime();
        Job j = store.create(JobFixtures.newJob("u", JobFixtures.now())).job();
        int before = lost(onCluster);
        TransitionResult r = losingTheReplyOf("transition.lua", onCluster, () -> store.transition(Transition.of(j.id(),
                JobFixtures.now()).expectAttempt(1).requeue(2, "http://comfy-2:8188", j.id() + "_2").returnJob().build()));
        assertEquals(before + 1, lost(onCluster));
        assertEquals(TransitionOutcome.APPLIED, r.outcome(), "the replay is recognised as the same write");
        assertEquals(2, r.job().attempt());
        assertEquals(2, store.findById(j.id()).orElseThrow().attempt());
        });
    }

    @Test
    void aNumberedEventWhoseReplyWasLostIsAnsweredAppliedAndItsRedeliveryRefused() throws Exception {
        onNodeAndCluster((store, onCluster) -> {
        store.prime();
        Job j = store.create(JobFixtures.newJob("u", JobFixtures.now())).job();
        int before = lost(onCluster);
        TransitionResult r = losingTheReplyOf("transition.lua", onCluster, () -> store.transition(Transition.of(j.id(),
                JobFixtures.now()).eventId("msg_Kp3xQ9vLm2Rt7wYz_3:0", Duration.ofMinutes(10)).status(JobStatus.RUNNING).build()));
        assertEquals(before + 1, lost(onCluster));
        assertEquals(TransitionOutcome.APPLIED, r.outcome(), "the replayed script is the same write, not a duplicate event");
        assertEquals(TransitionOutcome.DUPLICATE_EVENT, store.transition(Transition.of(j.id(), JobFixtures.now())
                .eventId("msg_Kp3xQ9vLm2Rt7wYz_3:0", Duration.ofMinutes(10)).status(JobStatus.RUNNING).build()).outcome(),
                "the webhook delivered again");
        });
    }

    @Test
    void aTerminalChangeWhoseIndexCleanupIsCutIsStillAnsweredAsMade() throws Exception {
        onNodeAndCluster((store, onCluster) -> {
        store.prime();
        Job j = store.create(new NewJob(JobFixtures.queued("u", JobFixtures.now()), JobFixtures.defaultWorkflow(), 1, null)).job();
        int before = lost(onCluster);
        byte[] usageStep = LuaScript.load("usage_end.lua").sha().getBytes(StandardCharsets.US_ASCII);
        proxies(onCluster).forEach(p -> p.loseReplyToNext(usageStep));
        TransitionResult r;
        try {
            r = store.updateStatus(j.id(), JobStatus.CANCELED, JobFixtures.now());
        } finally {
            proxies(onCluster).forEach(TcpProxy::keepReplies);
        }
        assertEquals(before + 1, lost(onCluster), "the index cleanup (with its usage count) met a reset connection");
        assertTrue(r.becameTerminal(), "the job is canceled, and answered as canceled");
        assertEquals(CreateResult.Outcome.CREATED, store.create(new NewJob(JobFixtures.queued("u", JobFixtures.now()),
                JobFixtures.defaultWorkflow(), 1, null)).outcome(), "the index entry left behind is repaired at the cap");
        });
    }

    @Test
    void aTemplatePublishWhoseReplyWasLostIsAnsweredAsTheVersionItMade() throws Exception {
        onNodeAndCluster((store, onCluster) -> {
        TemplateStore templates = new RedisTemplateStore(store.connection());
        templates.publish("t", "{\"v\":1}", "sha-1", "op-1");
        int before = lost(onCluster);
        PublishResult r = losingTheReplyOf(LuaScript.load(RedisTemplateStore.class, "publish.lua"), onCluster,
                () -> templates.publish("t", "{\"v\":2}", "sha-2", "op-2"));
        assertEquals(before + 1, lost(onCluster), "the reply was lost and the script sent again");
        assertEquals(new PublishResult(PublishResult.Outcome.PUBLISHED, 2), r, "the replay is the publish that made version 2");
        assertEquals(2, templates.latest("t").orElseThrow().version(), "one version made, not two");
        });
    }

    @Test
    void aMarkOfDeletedArtifactsWhoseReplyWasLostIsAnsweredAsMade() throws Exception {
        onNodeAndCluster((store, onCluster) -> {
        store.prime();
        Job j = store.create(JobFixtures.newJob("u", JobFixtures.now())).job();
        assertTrue(store.updateStatus(j.id(), JobStatus.FAILED, JobFixtures.now()).becameTerminal());
        Job ended = store.findById(j.id()).orElseThrow();
        int before = lost(onCluster);
        MarkArtifactsDeletedOutcome r = losingTheReplyOf("mark_artifacts_deleted.lua", onCluster,
                () -> store.markArtifactsDeleted(j.id()));
        assertEquals(before + 1, lost(onCluster), "the reply was lost and the script sent again");
        assertEquals(MarkArtifactsDeletedOutcome.MARKED, r);
        assertEquals(ended.toBuilder().artifactsDeleted(true).build(), store.findById(j.id()).orElseThrow());
        });
    }

    @Test
    void aShardLockWhoseReplyWasLostIsHeldByItsOwner() throws Exception {
        onNodeAndCluster((store, onCluster) -> {
        store.prime();
        int before = lost(onCluster);
        String owner = "run-" + System.nanoTime();
        proxies(onCluster).forEach(p -> p.loseReplyToNext(owner.getBytes(StandardCharsets.US_ASCII), TcpProxy.Ending.CLOSE));
        boolean locked;
        try {
            locked = store.tryLockShard(5, owner, Duration.ofSeconds(30));
        } finally {
            proxies(onCluster).forEach(TcpProxy::keepReplies);
        }
        assertEquals(before + 1, lost(onCluster), "the reply was lost and the SET sent again");
        assertTrue(locked, "the SET sent again finds the lock its first copy took");
        assertFalse(store.tryLockShard(5, "someone-else", Duration.ofSeconds(30)));
        store.unlockShard(5, owner);
        });
    }
    private static Job endedWithACallbackWaiting(RedisJobStore store) {
        Job j = JobFixtures.queued("u", JobFixtures.now()).toBuilder()
                .webhook(new Webhook("https://receiver.example/hook", Webhook.TERMINAL_EVENTS)).build();
        store.create(JobFixtures.newJob(j));
        return j;
    }

    @Test
    void aTransitionWhoseReplyWasLostEnqueuesItsCallbackOnce() throws Exception {
        onNodeAndCluster((store, onCluster) -> {
        store.prime();
        Job j = endedWithACallbackWaiting(store);
        int before = lost(onCluster);
        TransitionResult r = losingTheReplyOf("transition.lua", onCluster,
                () -> store.transition(Transition.of(j.id(), JobFixtures.now()).status(JobStatus.FAILED).returnJob().build()));
        assertEquals(before + 1, lost(onCluster));
        assertTrue(r.applied());
        Callbacks c = store.findById(j.id()).orElseThrow().callbacks();
        assertEquals(1, c.enqueued(), "one delivery, not two");
        assertEquals(CallbackDelivery.idOf(j.id(), 1), c.pending().id());
        });
    }

    @Test
    void aClaimAndARecordWhoseRepliesWereLostHoldAndRecordOnce() throws Exception {
        onNodeAndCluster((store, onCluster) -> {
        store.prime();
        Job j = endedWithACallbackWaiting(store);
        Instant now = JobFixtures.now();
        store.updateStatus(j.id(), JobStatus.FAILED, now);
        int before = lost(onCluster);
        Optional<Job> claimed = losingTheReplyOf("callback_claim.lua", onCluster,
                () -> store.claimFirstCallback(j.id(), now, "sender-a", now.plusSeconds(30)));
        assertEquals(before + 1, lost(onCluster));
        assertEquals("sender-a", claimed.orElseThrow().callbacks().leaseOwner(), "the claim sent again finds it its own");
        assertTrue(store.claimFirstCallback(j.id(), now, "sender-b", now.plusSeconds(30)).isEmpty());

        String id = claimed.get().callbacks().pending().id();
        RecordCallbackOutcome r = losingTheReplyOf("callback_record.lua", onCluster, () -> store.recordCallback(
                new CallbackAttempt(j.id(), id, "sender-a", CallbackStatus.PENDING, 1, "HTTP 502", now.plusSeconds(5))));
        assertEquals(before + 2, lost(onCluster));
        assertEquals(RecordCallbackOutcome.LEASE_LOST, r, "the second run finds the claim released by the first");
        Callbacks c = store.findById(j.id()).orElseThrow().callbacks();
        assertEquals(1, c.pending().attempts(), "recorded once");
        assertEquals(now.plusSeconds(5), c.pending().due());
        assertEquals(Optional.of(now.plusSeconds(5)), store.earliestCallbackDue(store.shardOf(j.id())));
        });
    }

    @Test
    void aRotationWhoseReplyWasLostKeepsThePreviousSecret() throws Exception {
        onNodeAndCluster((store, onCluster) -> {
        store.prime();
        store.createWebhookSecret("u", "sealed-first");
        Instant now = JobFixtures.now();
        int before = lost(onCluster);
        WebhookSecrets r = losingTheReplyOf("rotate_webhook_secret.lua", onCluster,
                () -> store.rotateWebhookSecret("u", "sealed-second", now, "op-" + System.nanoTime()));
        assertEquals(before + 1, lost(onCluster));
        assertEquals(new WebhookSecrets("sealed-second", "sealed-first", now), r,
                "the rotation sent again does not make the new secret the previous one too");
        assertEquals(r, store.findWebhookSecrets("u").orElseThrow());
        });
    }
}
