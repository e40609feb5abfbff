package com.comfyjobs.bench;

import com.comfyjobs.artifacts.ArtifactSettings;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.live.LiveService;
import com.comfyjobs.live.push.LivePusher;
import com.comfyjobs.live.push.ManagementApi;
import com.comfyjobs.live.redis.RedisLiveConnections;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.progress.WebhookService;
import com.comfyjobs.progress.WebhookVerifier;
import com.comfyjobs.query.JobEnvelope;
import com.comfyjobs.query.JobEventType;
import com.comfyjobs.query.JobViews;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.CommandCounter;
import com.comfyjobs.testing.ManagementApiSink;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Live progress over WebSocket. Fan-out: 1,000 connections subscribed over 100 running jobs (10 each),
 * one progress webhook per job through {@code WebhookService.handle} (signature, one transition that
 * finds the job's listeners, the job as GET shows it in the envelope, posted through the Management API
 * client to a local sink speaking its wire format); the raw limit is the same 1,000 posts of a message
 * of the same size with the same client, 10 at a time on the same 8 threads. Round trips: Redis
 * commands per progress event through the same path with nobody subscribed, with a subscriber pushed
 * at once, and with a subscriber under the throttle (events 100 ms apart, so some pushes are owed and
 * claimed), counted on the client.
 */
final class LivePushes {
    private static final int JOBS = 100;
    private static final int PER_JOB = 10;
    private static final int FAN_OUT_THREADS = 8;

    private LivePushes() {
    }

    /**
     * The events' time, moved only when told (each round a second after the last, past the throttle's
     * gap), with the pushers' timer on it: an owed push runs once the events' time passes its due time,
     * as the container's timer thread would run it between deliveries.
     */
    private static final class SteppedClock extends Clock {
        private final java.util.PriorityQueue<Map.Entry<Instant, Runnable>> timers = new java.util.PriorityQueue<>(Map.Entry.comparingByKey());
        private volatile Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);

        void advance(Duration d) {
            now = now.plus(d);
            while (!timers.isEmpty() && !timers.peek().getKey().isAfter(now)) {
                timers.poll().getValue().run();
            }
        }

        void at(Instant due, Runnable push) {
            timers.add(Map.entry(due, push));
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

    static List<Row> run(boolean quick) throws Exception {
        int rounds = quick ? 3 : 15;
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench-secret"));
        SteppedClock clock = new SteppedClock();
        CommandCounter counter = new CommandCounter();
        try (RedisNode redis = RedisNode.standalone();
             ManagementApiSink sink = ManagementApiSink.start();
             ManagementApi api = ManagementApi.create(sink.endpoint(), "us-east-1", credentials);
             ArtifactStore artifacts = ArtifactStore.create(ArtifactSettings.of("bench-bucket", URI.create("http://127.0.0.1:9")), credentials)) {
            sink.keepNothing();
            RedisConnection c = new RedisConnection(RedisSettings.of(redis.uri(), false));
            c.addListener(counter);
            // the store's own clock paces its key layout re-reads (every 30 s): real time, as in a container
            RedisJobStore store = new RedisJobStore(c, Clock.systemUTC());
            store.prime();
            LiveService live = new LiveService(store, new RedisLiveConnections(c), Clock.systemUTC());
            LivePusher pusher = new LivePusher(store, new JobViews(artifacts), api, live, clock, clock::at);
            WebhookService webhooks = new WebhookService(store, WebhookVerifier.fromList(WebhookPathBenchmark.SECRET, "S"), null,
                    new ComfyUiPool(ComfyUiSettings.of(List.of(URI.create("http://127.0.0.1:9"))), clock), ServiceSettings.defaults(), clock,
                    JobObserver.NONE, null, pusher);

            List<Job> jobs = new ArrayList<>();
            for (int j = 0; j < JOBS; j++) {
                Job job = running(store, clock.instant());
                jobs.add(job);
                for (int k = 0; k < PER_JOB; k++) {
                    String connection = "bench-" + j + "-" + k;
                    live.connect(connection, "bench");
                    live.receive(connection, "{\"action\": \"subscribe\", \"jobId\": \"" + job.id() + "\"}");
                }
            }
            ExecutorService threads = Executors.newFixedThreadPool(FAN_OUT_THREADS);
            Job first = store.findById(jobs.get(0).id()).orElseThrow();
            byte[] message = new JobEnvelope(JobEventType.PROGRESS, first.updatedAt(), new JobViews(artifacts).of(first))
                    .toJson().toString().getBytes(StandardCharsets.UTF_8);
            // both paths once, so neither is measured while the JIT compiles it
            oursRound(webhooks, jobs, clock, 1);
            rawRound(api, threads, message);
            long posts = sink.posts();
            double[] ours = new double[rounds];
            double[] raw = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ours[r] = oursRound(webhooks, jobs, clock, r + 2);
                raw[r] = rawRound(api, threads, message);
            }
            long delivered = sink.posts() - posts;
            threads.shutdown();

            List<Row> rows = new ArrayList<>();
            double oursMs = median(ours);
            double rawMs = median(raw);
            rows.add(new Row("live", "fan-out: 1,000 subscribers over 100 jobs, one progress event each", "ms", oursMs, rawMs,
                    "the same 1,000 bare Management API posts, same client and threads",
                    delivered + " posts in " + rounds + " rounds of each, median"));
            rows.add(new Row("live", "fan-out throughput", "msg/s", 1000 / (oursMs / 1000), 1000 / (rawMs / 1000),
                    "bare Management API posts", ""));
            rows.addAll(roundTrips(store, live, webhooks, clock, counter));
            store.close();
            return rows;
        }
    }

    private static Job running(RedisJobStore store, Instant now) {
        String id = PromptIds.newJobId();
        Job j = Job.queued(id, "bench", JobType.IMAGE_GENERATION, now).promptId(PromptIds.of(id, 1)).nodeCount(7).submittedAt(now).build();
        store.create(new NewJob(j, BenchWorkflows.standard(), 1_000_000, null));
        store.updateStatus(id, JobStatus.RUNNING, now);
        return j;
    }

    /** One progress webhook per job, a second after the last round: the milliseconds the 100 take. */
    private static double oursRound(WebhookService webhooks, List<Job> jobs, SteppedClock clock, int step) throws Exception {
        clock.advance(Duration.ofSeconds(1));
        List<Delivery> deliveries = new ArrayList<>();
        for (Job j : jobs) {
            deliveries.add(Delivery.progress(j, step));
        }
        long t0 = System.nanoTime();
        for (Delivery d : deliveries) {
            webhooks.handle(d.body(), d.headers());
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    /** The same 1,000 posts, 10 per job at once on the same threads, job after job. */
    private static double rawRound(ManagementApi api, ExecutorService threads, byte[] message) {
        long t0 = System.nanoTime();
        for (int j = 0; j < JOBS; j++) {
            List<CompletableFuture<Void>> posts = new ArrayList<>();
            for (int k = 0; k < PER_JOB; k++) {
                String connection = "bench-" + j + "-" + k;
                posts.add(CompletableFuture.runAsync(() -> api.post(connection, message), threads));
            }
            CompletableFuture.allOf(posts.toArray(CompletableFuture[]::new)).join();
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static List<Row> roundTrips(RedisJobStore store, LiveService live, WebhookService webhooks, SteppedClock clock,
                                        CommandCounter counter) throws Exception {
        Job nobody = running(store, clock.instant());
        Job one = running(store, clock.instant());
        live.connect("bench-rt", "bench");
        live.receive("bench-rt", "{\"action\": \"subscribe\", \"jobId\": \"" + one.id() + "\"}");
        int events = 200;
        double none = perEvent(webhooks, nobody, clock, counter, events, Duration.ofSeconds(1));
        double atOnce = perEvent(webhooks, one, clock, counter, events, Duration.ofSeconds(1));
        double throttled = perEvent(webhooks, one, clock, counter, events, Duration.ofMillis(100));
        return List.of(
                new Row("live", "Redis round trips per progress event, nobody subscribed", "RT", none, 1, "target: 1", ""),
                new Row("live", "Redis round trips per progress event, one subscriber, pushed at once", "RT", atOnce, 1,
                        "target: 1", "the listeners come back with the transition"),
                new Row("live", "Redis round trips per progress event, one subscriber, 10 events/s", "RT", throttled, 1,
                        "1 (the state change)", "+ the claim of each owed push (at most 4 pushes/s)"));
    }

    private static double perEvent(WebhookService webhooks, Job job, SteppedClock clock, CommandCounter counter, int events, Duration apart)
            throws Exception {
        List<Delivery> deliveries = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            deliveries.add(Delivery.progress(job, i % 20));
        }
        counter.reset();
        for (Delivery d : deliveries) {
            clock.advance(apart);
            webhooks.handle(d.body(), d.headers());
        }
        return counter.total() / (double) events;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private record Delivery(byte[] body, Map<String, String> headers) {
        static Delivery progress(Job j, int value) throws Exception {
            String body = "{\"event\":\"comfy.progress\",\"data\":{\"type\":\"progress\",\"data\":{\"value\":" + value
                    + ",\"max\":20,\"prompt_id\":\"" + j.promptId() + "\",\"node\":\"3\"}}}";
            Map<String, String> headers = WebhookRoundTrips.signedHeaders(body);
            return new Delivery(body.getBytes(StandardCharsets.UTF_8), headers);
        }
    }
}
