package com.comfyjobs.bench;

import com.comfyjobs.artifacts.ArtifactSettings;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.callbacks.CallbackDrainer;
import com.comfyjobs.callbacks.CallbackSender;
import com.comfyjobs.callbacks.DrainSummary;
import com.comfyjobs.callbacks.SecretBox;
import com.comfyjobs.callbacks.SendOutcome;
import com.comfyjobs.callbacks.WebhookSecretService;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.Webhook;
import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.outbound.UrlFetcher;
import com.comfyjobs.outbound.UrlPolicy;
import com.comfyjobs.query.JobEnvelope;
import com.comfyjobs.query.JobEventType;
import com.comfyjobs.query.JobViews;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.CallbackReceiver;
import com.comfyjobs.testing.CommandCounter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Callbacks delivered by the schedule's drainer (16 senders) to a receiver on loopback in the same JVM:
 * each succeeded job's delivery claimed from its shard's outbox, the job viewed as GET shows it (one
 * presigned artifact URL), signed with its caller's secret (read from Redis and opened), POSTed, and
 * its try recorded. The raw limit is the same envelopes, signed and POSTed by 16 threads through the
 * same HTTP client to the same receiver: what any sender must do.
 */
final class CallbackThroughput {
    private static final int SENDERS = 16;
    private static final String KEY = "bench-callback-secrets-key-0123456789abcdefghij";

    private CallbackThroughput() {
    }

    static List<Row> run(boolean quick) throws Exception {
        int deliveries = quick ? 1_000 : 5_000;
        try (RedisNode redis = RedisNode.standalone(); CallbackReceiver receiver = CallbackReceiver.start()) {
            CommandCounter counter = new CommandCounter();
            RedisConnection connection = new RedisConnection(RedisSettings.of(redis.uri(), false));
            connection.addListener(counter);
            RedisJobStore store = new RedisJobStore(connection, Clock.systemUTC());
            store.prime();
            ArtifactStore bucket = ArtifactStore.create(ArtifactSettings.of("bench-bucket", URI.create("http://127.0.0.1:9")),
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench-secret")));
            JobViews views = new JobViews(bucket);
            WebhookSecretService secrets = new WebhookSecretService(store, new SecretBox(() -> KEY, "CALLBACK_SECRETS_KEY"), Clock.systemUTC());
            UrlFetcher http = new UrlFetcher(new UrlPolicy(true, UrlPolicy.HostLookup.SYSTEM), CallbackSender.TIMEOUT, CallbackSender.TIMEOUT,
                    CallbackSender.TIMEOUT, SENDERS);
            CallbackSender sender = new CallbackSender(store, views, secrets, http, ServiceSettings.defaults(), Clock.systemUTC(),
                    JobObserver.NONE);
            try (CallbackDrainer drainer = new CallbackDrainer(store, sender, Clock.systemUTC(), SENDERS)) {
                ours(store, drainer, receiver.url(), deliveries / 5, counter);
                bare(store, views, secrets, http, receiver.url(), deliveries / 5);
                double oursRate = ours(store, drainer, receiver.url(), deliveries, counter);
                double perDelivery = counter.total() / (double) deliveries;
                System.err.println("bench: callbacks' commands " + counter.snapshot());
                double bareRate = bare(store, views, secrets, http, receiver.url(), deliveries);
                return List.of(
                        new Row("callbacks", deliveries + " deliveries, " + SENDERS + " senders, throughput", "cb/s", oursRate, bareRate,
                                "the same envelopes signed and POSTed by " + SENDERS + " threads", ""),
                        new Row("callbacks", "Redis round trips per delivery", "RT", perDelivery, 2,
                                "2: its record and its caller's secrets", "+ the claims: one script per shard takes what free senders can"));
            } finally {
                http.close();
                bucket.close();
                store.close();
            }
        }
    }

    /**
     * Succeeded jobs with one artifact each; with {@code wanted} their end's callback waits in the outboxes,
     * without it they have a webhook that does not want it (the same job, for a bare sender to post).
     */
    private static List<Job> ended(RedisJobStore store, String url, int n, boolean wanted) {
        Instant now = Instant.now();
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = PromptIds.newJobId();
            Job j = Job.queued(id, "bench-user-" + (i % 50), JobType.IMAGE_GENERATION, now).promptId(PromptIds.of(id, 1))
                    .comfyServer("http://127.0.0.1:8188").nodeCount(7).webhook(new Webhook(url, List.of(wanted ? "job.succeeded" : "job.failed"))).build();
            store.create(new NewJob(j, BenchWorkflows.tiny(), 1_000_000, null));
            store.updateStatus(id, JobStatus.FINALIZING, now);
            store.transition(Transition.of(id, now).status(JobStatus.SUCCEEDED).artifacts(List.of(new JobArtifact(
                    "artifacts/bench-user/" + id + "/1/9/ComfyUI_00001_.png", "ComfyUI_00001_.png", "image/png", 123_456))).build());
            jobs.add(j);
        }
        return jobs;
    }

    /** Deliveries per second; {@code counter} counts the drain's commands only. */
    private static double ours(RedisJobStore store, CallbackDrainer drainer, String url, int n, CommandCounter counter) {
        ended(store, url, n, true);
        counter.reset();
        long t0 = System.nanoTime();
        DrainSummary s = drainer.drain(Instant.now().plusSeconds(600));
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (s.count(SendOutcome.DELIVERED) != n) {
            throw new IllegalStateException("delivered " + s.toMap() + " of " + n);
        }
        return n / seconds;
    }

    private static double bare(RedisJobStore store, JobViews views, WebhookSecretService secrets, UrlFetcher http, String url, int n)
            throws Exception {
        List<String> bodies = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (Job j : ended(store, url, n, false)) {
            Job stored = store.findById(j.id()).orElseThrow();
            bodies.add(new JobEnvelope(JobEventType.SUCCEEDED, stored.finishedAt(), views.of(stored)).toJson().toString());
            keys.add(secrets.current(j.userId()).secret());
        }
        ExecutorService threads = Executors.newFixedThreadPool(SENDERS);
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        List<Future<?>> all = new ArrayList<>();
        for (int t = 0; t < SENDERS; t++) {
            all.add(threads.submit(() -> {
                for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    String id = "msg_bare_" + i;
                    long ts = Instant.now().getEpochSecond();
                    String body = bodies.get(i);
                    UrlFetcher.Answer a = http.post(url, Map.of("webhook-id", id, "webhook-timestamp", Long.toString(ts),
                            "webhook-signature", new com.standardwebhooks.Webhook(keys.get(i)).sign(id, ts, body)), body.getBytes(StandardCharsets.UTF_8),
                            CallbackSender.MAX_ANSWER_BYTES, CallbackSender.TIMEOUT);
                    if (a.status() != 200) {
                        throw new IllegalStateException("the receiver answered " + a.status());
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : all) {
            f.get();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        threads.shutdown();
        return n / seconds;
    }
}
