package com.comfyjobs.bench;

import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.GraphUpdate;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.live.LiveUpdates;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.progress.WebhookService;
import com.comfyjobs.progress.WebhookVerifier;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.CommandCounter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Redis round trips per webhook event through {@code WebhookService.handle}, counted on the client
 * (lettuce command events): the mean over 1,000 progress events of one running job, then one terminal
 * event. The raw limit is one round trip per event: the guarded state change itself. Then the bytes
 * a progress event moves to and from Redis ({@link #bytesPerProgressEvent}).
 */
final class WebhookRoundTrips {
    private static final String MESSAGE_ID_STEM = "msg_" + Long.toHexString(System.nanoTime()) + "_";
    private static final AtomicLong DELIVERIES = new AtomicLong();

    private WebhookRoundTrips() {
    }

    static List<Row> run() throws Exception {
        try (RedisNode redis = RedisNode.standalone()) {
            CommandCounter counter = new CommandCounter();
            RedisConnection c = new RedisConnection(RedisSettings.of(redis.uri(), false));
            c.addListener(counter);
            RedisJobStore store = new RedisJobStore(c, Clock.systemUTC());
            store.prime();
            Job j = runningJob(store, Instant.now());
            WebhookService service = new WebhookService(store, WebhookVerifier.fromList(WebhookPathBenchmark.SECRET, "S"), null,
                    new ComfyUiPool(ComfyUiSettings.of(List.of(URI.create("http://127.0.0.1:9"))), Clock.systemUTC()),
                    ServiceSettings.defaults(), Clock.systemUTC(), JobObserver.NONE, null, LiveUpdates.NONE);
            counter.reset();
            int events = 1000;
            for (int i = 0; i < events; i++) {
                Delivery d = Delivery.signed(progressBody(j, i));
                service.handle(d.body, d.headers);
            }
            double progress = counter.total() / (double) events;
            Bytes bytes = bytesPerProgressEvent(c, store, service, events);
            counter.reset();
            Delivery end = Delivery.signed("{\"event\":\"comfy.execution_error\",\"data\":{\"type\":\"execution_error\",\"data\":{"
                    + "\"prompt_id\":\"" + j.promptId() + "\",\"node_id\":\"3\",\"node_type\":\"KSampler\",\"exception_message\":\"x\"}}}");
            service.handle(end.body, end.headers);
            double terminal = counter.total();
            store.close();
            return List.of(
                    new Row("webhook", "Redis round trips per progress event", "RT", progress, 1, "target: 1", ""),
                    new Row("webhook", "Redis round trips per terminal event", "RT", terminal, 1,
                            "1 (the state change)", "+1: the user's live-job index and usage live in another slot"),
                    new Row("webhook", "Redis bytes in per progress event", "B", bytes.in(), bytes.body(), "the event's webhook body",
                            "the script's keys and the transition's JSON"),
                    new Row("webhook", "Redis bytes out per progress event", "B", bytes.out(), bytes.outWithJob(),
                            "the answer with the job's fields (before)", "the job comes back only when the webhook acts on it"));
        }
    }

    private record Bytes(double in, double out, double body, double outWithJob) {
    }

    /**
     * Bytes Redis received and sent per progress event, from INFO's total_net_input_bytes and
     * total_net_output_bytes around {@code events} events of another running job (less the bytes of
     * the INFO calls themselves, measured back to back), through WebhookService; then the same
     * transitions asking for the whole job, as every event did before, straight on the store.
     */
    private static Bytes bytesPerProgressEvent(RedisConnection c, RedisJobStore store, WebhookService service, int events) throws Exception {
        long[] idle = netBytes(c);
        long[] infoCost = delta(idle, netBytes(c));
        Job j = runningJob(store, Instant.now());
        long body = 0;
        long[] before = netBytes(c);
        for (int i = 0; i < events; i++) {
            Delivery d = Delivery.signed(progressBody(j, i));
            body += d.body.length;
            service.handle(d.body, d.headers);
        }
        long[] ours = delta(before, netBytes(c));
        Job k = runningJob(store, Instant.now());
        before = netBytes(c);
        for (int i = 0; i < events; i++) {
            store.transition(Transition.of(k.id(), Instant.now()).expectAttempt(1).eventId(nextMessageId() + ":0", Duration.ofHours(1))
                    .observed().returnJob().status(JobStatus.RUNNING).graph(GraphUpdate.running("3", i % 20, 20)).build());
        }
        long[] withJob = delta(before, netBytes(c));
        return new Bytes((ours[0] - infoCost[0]) / (double) events, (ours[1] - infoCost[1]) / (double) events, body / (double) events,
                (withJob[1] - infoCost[1]) / (double) events);
    }

    private static String progressBody(Job j, int i) {
        return "{\"event\":\"comfy.progress\",\"data\":{\"type\":\"progress\",\"data\":{\"value\":" + (i % 20)
                + ",\"max\":20,\"prompt_id\":\"" + j.promptId() + "\",\"node\":\"3\"}}}";
    }

    /** {total_net_input_bytes, total_net_output_bytes} */
    private static long[] netBytes(RedisConnection c) {
        long[] r = new long[2];
        for (String line : c.await(c.commands().info("stats")).split("\r?\n")) {
            if (line.startsWith("total_net_input_bytes:")) {
                r[0] = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            } else if (line.startsWith("total_net_output_bytes:")) {
                r[1] = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return r;
    }

    private static long[] delta(long[] from, long[] to) {
        return new long[] {to[0] - from[0], to[1] - from[1]};
    }

    private static Job runningJob(JobStore store, Instant now) {
        String id = PromptIds.newJobId();
        Job j = Job.queued(id, "bench", JobType.IMAGE_GENERATION, now).promptId(PromptIds.of(id, 1)).nodeCount(7).submittedAt(now).build();
        store.create(new NewJob(j, BenchWorkflows.standard(), 1_000_000, null));
        store.updateStatus(id, JobStatus.RUNNING, now);
        return j;
    }

    private record Delivery(byte[] body, Map<String, String> headers) {
        static Delivery signed(String body) throws Exception {
            return new Delivery(body.getBytes(StandardCharsets.UTF_8), signedHeaders(body));
        }
    }

    /** A webhook-id as the bridge makes them: one random stem per sender, then the delivery's number. */
    static String nextMessageId() {
        return MESSAGE_ID_STEM + DELIVERIES.incrementAndGet();
    }

    /** A Standard Webhooks delivery's headers for {@code body}, signed with the benchmarks' secret now. */
    static Map<String, String> signedHeaders(String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(WebhookPathBenchmark.SECRET.substring(6)), "HmacSHA256"));
        long ts = Instant.now().getEpochSecond();
        String id = nextMessageId();
        String sig = Base64.getEncoder().encodeToString(mac.doFinal((id + "." + ts + "." + body).getBytes(StandardCharsets.UTF_8)));
        return Map.of("webhook-id", id, "webhook-timestamp", Long.toString(ts), "webhook-signature", "v1," + sig);
    }
}
