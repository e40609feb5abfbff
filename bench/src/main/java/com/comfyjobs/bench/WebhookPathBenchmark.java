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
import com.comfyjobs.job.Workflow;
import com.comfyjobs.job.redis.LuaScript;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisKeys;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.live.LiveUpdates;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.progress.Finalizer;
import com.comfyjobs.progress.WebhookResult;
import com.comfyjobs.progress.WebhookService;
import com.comfyjobs.progress.WebhookVerifier;
import com.comfyjobs.servers.RedisNode;
import io.lettuce.core.ScriptOutputType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A webhook progress event through our whole path (parse, verify the Standard Webhooks signature,
 * one guarded transition) against a bare EVALSHA of the same script, with the same kind of arguments,
 * on the same Redis connection, for {@link SignedDeliveries}.
 */
@State(Scope.Benchmark)
public class WebhookPathBenchmark {
    static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString("benchmark-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8));
    static final int JOBS = 1000;

    private RedisNode redis;
    private RedisJobStore store;
    private WebhookService service;
    private final List<Job> jobs = new ArrayList<>();
    private SignedDeliveries deliveries;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLong bareEvents = new AtomicLong();
    private LuaScript transition;
    private RedisKeys keys;
    private String[] bareSpecs;

    @Setup(Level.Trial)
    public void start() {
        redis = RedisNode.standalone();
        store = RedisJobStore.connect(RedisSettings.of(redis.uri(), false));
        store.prime();
        Workflow wf = BenchWorkflows.tiny();
        Instant now = Instant.now();
        for (int i = 0; i < JOBS; i++) {
            String id = PromptIds.newJobId();
            Job j = Job.queued(id, "bench-user-" + (i % 50), JobType.IMAGE_GENERATION, now).promptId(PromptIds.of(id, 1))
                    .comfyServer("http://127.0.0.1:8188").nodeCount(7).submittedAt(now).build();
            store.create(new NewJob(j, wf, 1_000_000, null));
            store.updateStatus(id, JobStatus.RUNNING, now);
            jobs.add(j);
        }
        ComfyUiPool pool = new ComfyUiPool(ComfyUiSettings.of(List.of(URI.create("http://127.0.0.1:9"))), Clock.systemUTC());
        ArtifactStore artifacts = ArtifactStore.create(ArtifactSettings.of("bench-bucket", URI.create("http://127.0.0.1:9")));
        Finalizer finalizer = new Finalizer(store, pool, artifacts, Clock.systemUTC(), JobObserver.NONE);
        // the jobs have no webhook: no callback is ever enqueued, so there is no sender
        service = new WebhookService(store, WebhookVerifier.fromList(SECRET, "SECRET"), finalizer, pool, ServiceSettings.defaults(),
                Clock.systemUTC(), JobObserver.NONE, null, LiveUpdates.NONE);
        transition = LuaScript.load("transition.lua");
        keys = new RedisKeys("cj", RedisSettings.DEFAULT_SHARDS);
        bareSpecs = new String[JOBS];
        for (int i = 0; i < JOBS; i++) {
            bareSpecs[i] = "{\"now\":\"" + now.toEpochMilli() + "\",\"retentionMs\":86400000,\"expectAttempt\":1,\"eventTtlMs\":3600000,"
                    + "\"status\":\"running\",\"graph\":{\"running\":{\"node\":\"3\",\"value\":5,\"max\":20}},\"returnJobWhenActedOn\":true,"
                    + "\"seen\":{\"group\":\"msg_bare_:0\",\"n\":\"";
        }
        store.connection().await(store.connection().commands().scriptLoad(transition.source()));
    }

    /** Fresh deliveries for the iteration: Standard Webhooks refuses timestamps older than five minutes. */
    @Setup(Level.Iteration)
    public void sign() throws Exception {
        deliveries = SignedDeliveries.progress(jobs, SECRET, Integer.getInteger("bench.deliveries", 400_000));
        next.set(0);
    }

    @Benchmark
    public WebhookResult ours() throws Exception {
        int i = next.getAndIncrement();
        if (i >= deliveries.size()) {
            throw new IllegalStateException("raise -Dbench.deliveries: the iteration used up its " + deliveries.size() + " signed deliveries");
        }
        WebhookResult r = service.handle(deliveries.bodies[i], deliveries.headers.get(i));
        if (r.applied() != 1) {
            throw new IllegalStateException("event not applied: " + r);
        }
        return r;
    }

    @Benchmark
    public Object bare() {
        long n = bareEvents.getAndIncrement();
        int i = (int) (n % JOBS);
        String id = jobs.get(i).id();
        int s = keys.shardOf(id);
        String eventId = "msg_bare_" + n + ":0";
        String[] k = {keys.job(id), keys.workflow(id), keys.active(s), keys.counts(s), keys.ended(s), keys.event(id, eventId), keys.outbox(s),
                keys.listeners(s), keys.listenerExpiry(s), keys.owedPushes(s), keys.seenEvents(id)};
        return store.connection().await(store.connection().commands().evalsha(transition.sha(), ScriptOutputType.MULTI, k,
                bareSpecs[i] + n + "\"}}"));
    }

    @TearDown(Level.Trial)
    public void stop() {
        store.close();
        redis.close();
    }
}
