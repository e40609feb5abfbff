package com.comfyjobs.bench;

import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PromptIds;
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
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Redis round trips per webhook event through {@code WebhookService.handle}, counted on the client
 * (lettuce command events): the mean over 1,000 progress events of one running job, then one terminal
 * event. The raw limit is one round trip per event: the guarded state change itself.
 */
final class WebhookRoundTrips {
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
                Delivery d = Delivery.signed("{\"event\":\"comfy.progress\",\"data\":{\"type\":\"progress\",\"data\":{\"value\":" + (i % 20)
                        + ",\"max\":20,\"prompt_id\":\"" + j.promptId() + "\",\"node\":\"3\"}}}");
                service.handle(d.body, d.headers);
            }
            double progress = counter.total() / (double) events;
            counter.reset();
            Delivery end = Delivery.signed("{\"event\":\"comfy.execution_error\",\"data\":{\"type\":\"execution_error\",\"data\":{"
                    + "\"prompt_id\":\"" + j.promptId() + "\",\"node_id\":\"3\",\"node_type\":\"KSampler\",\"exception_message\":\"x\"}}}");
            service.handle(end.body, end.headers);
            double terminal = counter.total();
            store.close();
            return List.of(
                    new Row("webhook", "Redis round trips per progress event", "RT", progress, 1, "target: 1", ""),
                    new Row("webhook", "Redis round trips per terminal event", "RT", terminal, 1,
                            "1 (the state change)", "+1: the user's live-job index and usage live in another slot"));
        }
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

    /** A Standard Webhooks delivery's headers for {@code body}, signed with the benchmarks' secret now. */
    static Map<String, String> signedHeaders(String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(WebhookPathBenchmark.SECRET.substring(6)), "HmacSHA256"));
        long ts = Instant.now().getEpochSecond();
        String id = "msg_" + System.nanoTime();
        String sig = Base64.getEncoder().encodeToString(mac.doFinal((id + "." + ts + "." + body).getBytes(StandardCharsets.UTF_8)));
        return Map.of("webhook-id", id, "webhook-timestamp", Long.toString(ts), "webhook-signature", "v1," + sig);
    }
}
