package com.comfyjobs.live;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.comfyjobs.artifacts.ArtifactSettings;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.live.push.LivePusher;
import com.comfyjobs.live.push.ManagementApi;
import com.comfyjobs.live.redis.RedisLiveConnections;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.progress.WebhookService;
import com.comfyjobs.progress.WebhookVerifier;
import com.comfyjobs.query.JobViews;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.CommandCounter;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ManagementApiSink;
import com.comfyjobs.testing.ServiceHarness;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * What a progress webhook costs in Redis commands with live listeners in the picture, counted on the
 * client: with nobody subscribed it stays the one transition script it always was; a subscriber is
 * found and pushed to from that same script's answer; only a push the throttle owes costs a second
 * script, the claim.
 */
class LivePushCostIT {
    private static final CommandCounter COUNTER = new CommandCounter();
    private static RedisNode redis;
    private static RedisJobStore store;
    private static RedisLiveConnections connections;
    private static ManagementApiSink sink;
    private static ManagementApi api;
    private static ArtifactStore artifacts;
    private static WebhookService webhooks;
    private static LiveService live;

    @BeforeAll
    static void start() {
        redis = RedisNode.standalone();
        RedisConnection c = new RedisConnection(RedisSettings.of(redis.uri(), false));
        c.addListener(COUNTER);
        store = new RedisJobStore(c, Clock.systemUTC());
        store.prime();
        connections = new RedisLiveConnections(c);
        live = new LiveService(store, connections, Clock.systemUTC());
        sink = ManagementApiSink.start();
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("cost", "cost-secret"));
        api = ManagementApi.create(sink.endpoint(), "us-east-1", credentials);
        artifacts = ArtifactStore.create(ArtifactSettings.of("cost-bucket", URI.create("http://127.0.0.1:9")), credentials);
        // every event at the same instant: the second one is always within the throttle's gap
        Clock frozen = Clock.fixed(java.time.Instant.now(), java.time.ZoneOffset.UTC);
        LivePusher pusher = new LivePusher(store, new JobViews(artifacts), api, live, frozen,
                (due, push) -> {
                    // the owed push made before handle() returns, so the counter sees its command
                    push.run();
                });
        webhooks = new WebhookService(store, WebhookVerifier.fromList(ServiceHarness.WEBHOOK_SECRET, "WEBHOOK_SECRET"), null,
                new ComfyUiPool(ComfyUiSettings.of(List.of(URI.create("http://127.0.0.1:9"))), Clock.systemUTC()),
                ServiceSettings.defaults(), frozen, JobObserver.NONE, null, pusher);
    }

    @AfterAll
    static void stop() {
        api.close();
        sink.close();
        artifacts.close();
        store.close();
        redis.close();
    }

    private static Job running(String user) {
        Job j = store.create(JobFixtures.newJob(user, JobFixtures.now())).job();
        store.updateStatus(j.id(), JobStatus.RUNNING, JobFixtures.now());
        return j;
    }

    private static Map<String, Long> costOfProgress(Job j, int value) {
        String body = ServiceHarness.envelope("progress", ServiceHarness.data(j.promptId()).put("node", "3").put("value", value).put("max", 20));
        Map<String, String> headers = ServiceHarness.signed("msg_" + UUID.randomUUID(), body);
        COUNTER.reset();
        webhooks.handle(body.getBytes(StandardCharsets.UTF_8), headers);
        return COUNTER.snapshot();
    }

    @Test
    void withNobodySubscribedAProgressEventIsOneRoundTrip() {
        Job j = running("cost-nobody");
        live.connect("elsewhere", "someone-else");
        live.receive("elsewhere", "{\"action\": \"subscribe\", \"all\": true}");
        long before = sink.posts();
        assertEquals(Map.of("EVALSHA", 1L), costOfProgress(j, 1));
        assertEquals(Map.of("EVALSHA", 1L), costOfProgress(j, 2));
        assertEquals(before, sink.posts(), "another user's listener hears nothing");
    }

    @Test
    void aSubscriberIsFoundAndPushedToFromTheSameRoundTripAndAnOwedPushAddsItsClaim() {
        Job j = running("cost-listened");
        live.connect("watching", "cost-listened");
        live.receive("watching", "{\"action\": \"subscribe\", \"jobId\": \"" + j.id() + "\"}");
        long before = sink.posts();
        assertEquals(Map.of("EVALSHA", 1L), costOfProgress(j, 1), "pushed at once: the connections came with the answer");
        assertEquals(Map.of("EVALSHA", 2L), costOfProgress(j, 2), "too soon: owed, then claimed at its due time");
        assertEquals(before + 2, sink.posts());
    }
}
