package com.comfyjobs.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.artifacts.ArtifactSettings;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.Listening;
import com.comfyjobs.job.memory.InMemoryJobStore;
import com.comfyjobs.live.memory.InMemoryLiveConnections;
import com.comfyjobs.live.push.LivePusher;
import com.comfyjobs.live.push.ManagementApi;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.progress.WebhookService;
import com.comfyjobs.progress.WebhookVerifier;
import com.comfyjobs.query.JobViews;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ManagementApiSink;
import com.comfyjobs.testing.ServiceHarness;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The per-job push throttle end to end, fast tier: signed progress webhooks through
 * {@link WebhookService} on the in-memory store, pushes through the real Management API client to a
 * local sink, all under a clock that moves only when told (an owed push's timer fires by moving it),
 * so every push's time is exact: at most four messages a second per job, the last change before a
 * quiet period delivered (by its maker's timer, or by the sweep when the maker was frozen), the end
 * never held back and nothing after it, and a connection API Gateway says is gone closed.
 */
class LivePushThrottleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ManualClock clock = new ManualClock(Instant.now());
    private InMemoryJobStore store;
    private InMemoryLiveConnections connections;
    private LiveService live;
    private ManagementApiSink sink;
    private ManagementApi api;
    private ArtifactStore artifacts;
    private WebhookService webhooks;
    private LivePusher pusher;

    @BeforeEach
    void wire() {
        store = new InMemoryJobStore(16, Duration.ofHours(24), clock);
        connections = new InMemoryLiveConnections(clock);
        live = new LiveService(store, connections, clock);
        sink = ManagementApiSink.start(clock);
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test-secret"));
        api = ManagementApi.create(sink.endpoint(), "us-east-1", credentials);
        artifacts = ArtifactStore.create(ArtifactSettings.of("throttle-bucket", URI.create("http://127.0.0.1:9")), credentials);
        pusher = new LivePusher(store, new JobViews(artifacts), api, live, clock, (due, push) -> {
            clock.advanceTo(due);
            push.run();
        });
        webhooks = webhooks(pusher);
    }

    private WebhookService webhooks(LivePusher pusher) {
        return new WebhookService(store, WebhookVerifier.fromList(ServiceHarness.WEBHOOK_SECRET, "WEBHOOK_SECRET"), null,
                new ComfyUiPool(ComfyUiSettings.of(List.of(URI.create("http://127.0.0.1:9"))), clock), ServiceSettings.defaults(), clock,
                JobObserver.NONE, null, pusher);
    }

    @AfterEach
    void close() {
        api.close();
        sink.close();
        artifacts.close();
    }

    private Job running(String user) {
        Job j = store.create(JobFixtures.newJob(user, clock.instant())).job();
        deliver("execution_start", ServiceHarness.data(j.promptId()));
        return j;
    }

    private void deliver(String type, com.fasterxml.jackson.databind.node.ObjectNode data) {
        String body = ServiceHarness.envelope(type, data);
        webhooks.handle(body.getBytes(StandardCharsets.UTF_8), ServiceHarness.signed("msg_" + UUID.randomUUID(), body));
    }

    private void progress(Job j, int value) {
        deliver("progress", ServiceHarness.data(j.promptId()).put("node", "3").put("value", value).put("max", 100));
    }

    private void subscribe(String connection, String user, Job j) {
        live.connect(connection, user);
        JsonNode answer = read(live.receive(connection, "{\"action\": \"subscribe\", \"jobId\": \"" + j.id() + "\"}"));
        assertEquals("subscribed", answer.path("type").asText(), answer.toString());
    }

    private static JsonNode read(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }

    @Test
    void atMostFourMessagesASecondPerJobTheLastProgressAndTheEndAlwaysDelivered() {
        Job j = store.create(JobFixtures.newJob("u1", clock.instant())).job();
        subscribe("c1", "u1", j);
        deliver("execution_start", ServiceHarness.data(j.promptId()));
        for (int step = 1; step <= 60; step++) {
            clock.advance(Duration.ofMillis(30));
            progress(j, step);
        }
        clock.advance(Duration.ofMillis(10));
        deliver("execution_error", ServiceHarness.data(j.promptId()).put("node_id", "3").put("node_type", "KSampler")
                .put("exception_message", "out of memory").put("exception_type", "RuntimeError"));
        clock.advance(Duration.ofSeconds(5));
        progress(j, 99);

        List<ManagementApiSink.Arrival> got = sink.arrivals("c1");
        List<JsonNode> messages = got.stream().map(a -> read(a.body())).toList();
        JsonNode last = messages.get(messages.size() - 1);
        assertEquals("job.failed", last.path("type").asText(), "the end, and nothing after it");
        assertEquals(1, messages.stream().filter(m -> m.path("type").asText().equals("job.failed")).count());
        for (int i = 1; i < got.size() - 1; i++) {
            Duration gap = Duration.between(got.get(i - 1).at(), got.get(i).at());
            assertFalse(gap.compareTo(Listening.MIN_GAP) < 0, "message " + i + " came " + gap.toMillis() + " ms after the one before");
        }
        Instant from = got.get(0).at();
        Instant to = got.get(got.size() - 2).at();
        long seconds = Math.max(1, Duration.between(from, to).toSeconds() + 1);
        assertTrue(got.size() - 1 <= 4 * seconds + 1, got.size() + " messages over " + seconds + " s");
        assertEquals("job.running", messages.get(0).path("type").asText());
        assertTrue(messages.subList(1, messages.size() - 1).stream().allMatch(m -> m.path("type").asText().equals("job.progress")));
        double lastProgress = messages.get(messages.size() - 2).path("data").path("step").path("value").asInt();
        assertEquals(60, lastProgress, "the last step before the end went out though the throttle held it back");
    }

    @Test
    void theLastChangeBeforeAQuietPeriodGoesOutAtItsDueTime() {
        Job j = running("u2");
        subscribe("c2", "u2", j);
        progress(j, 10);
        Instant pushed = sink.arrivals("c2").get(0).at();
        clock.advance(Duration.ofMillis(100));
        progress(j, 20);
        List<ManagementApiSink.Arrival> got = sink.arrivals("c2");
        assertEquals(2, got.size(), "the throttled change went out by its timer, not at the next change");
        assertEquals(pushed.plus(Listening.MIN_GAP), got.get(1).at(), "at its due time");
        assertEquals(20, read(got.get(1).body()).path("data").path("step").path("value").asInt());
    }

    @Test
    void anOwedPushWhoseMakerWasFrozenBeforeItsTimerFiredIsMadeByTheSweep() {
        List<Runnable> frozen = new java.util.ArrayList<>();
        LivePusher stopped = new LivePusher(store, new JobViews(artifacts), api, live, clock, (due, push) -> frozen.add(push));
        WebhookService lambda = webhooks(stopped);
        Job j = store.create(JobFixtures.newJob("u4", clock.instant())).job();
        subscribe("c4", "u4", j);
        String body = ServiceHarness.envelope("execution_start", ServiceHarness.data(j.promptId()));
        lambda.handle(body.getBytes(StandardCharsets.UTF_8), ServiceHarness.signed("msg_" + UUID.randomUUID(), body));
        clock.advance(Duration.ofMillis(50));
        String progress = ServiceHarness.envelope("progress", ServiceHarness.data(j.promptId()).put("node", "3").put("value", 7).put("max", 100));
        lambda.handle(progress.getBytes(StandardCharsets.UTF_8), ServiceHarness.signed("msg_" + UUID.randomUUID(), progress));
        assertEquals(1, sink.messages("c4").size());
        assertEquals(1, frozen.size(), "the owed push waits on a timer that never fires");

        pusher.pushOwed();
        assertEquals(1, sink.messages("c4").size(), "not due yet: the sweep leaves it");
        clock.advance(Duration.ofSeconds(30));
        pusher.pushOwed();

        List<String> got = sink.messages("c4");
        assertEquals(2, got.size());
        assertEquals(7, read(got.get(1)).path("data").path("step").path("value").asInt(), "the last change, made by the sweep");
        pusher.pushOwed();
        assertEquals(2, sink.messages("c4").size(), "made once");
    }

    @Test
    void aConnectionApiGatewaySaysIsGoneIsClosedWithItsSubscriptions() {
        Job j = running("u3");
        subscribe("stays", "u3", j);
        subscribe("left", "u3", j);
        live.receive("left", "{\"action\": \"subscribe\", \"all\": true}");
        sink.gone("left");
        progress(j, 10);
        assertEquals(1, sink.messages("stays").size());
        assertEquals(java.util.Set.of("stays"), connections.open(), "the gone connection's record is removed");
        clock.advance(Duration.ofSeconds(1));
        long posts = sink.posts();
        progress(j, 20);
        assertEquals(posts + 1, sink.posts(), "and nothing is posted to it again: its registrations were taken back");
        assertEquals(0, sink.unsigned(), "every post carried a SigV4 signature");
    }

    /** Time that moves only when the test (or an owed push's wait) moves it. */
    private static final class ManualClock extends Clock {
        private volatile Instant now;

        ManualClock(Instant start) {
            now = start.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        }

        synchronized void advance(Duration d) {
            now = now.plus(d);
        }

        synchronized void advanceTo(Instant t) {
            if (t.isAfter(now)) {
                now = t;
            }
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
