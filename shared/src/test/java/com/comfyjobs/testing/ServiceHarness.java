package com.comfyjobs.testing;

import com.comfyjobs.artifacts.ArtifactSettings;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.callbacks.CallbackDrainer;
import com.comfyjobs.callbacks.CallbackSender;
import com.comfyjobs.callbacks.SecretBox;
import com.comfyjobs.callbacks.WebhookSecretService;
import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.comfyui.QueueSnapshot;
import com.comfyjobs.comfyui.Reply;
import com.comfyjobs.config.Env;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.inputs.InputImageStore;
import com.comfyjobs.inputs.InputSettings;
import com.comfyjobs.inputs.UploadService;
import com.comfyjobs.job.Caller;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobFolder;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.job.memory.InMemoryJobStore;
import com.comfyjobs.live.LiveService;
import com.comfyjobs.live.memory.InMemoryLiveConnections;
import com.comfyjobs.live.push.LivePusher;
import com.comfyjobs.live.push.ManagementApi;
import com.comfyjobs.outbound.UrlFetcher;
import com.comfyjobs.outbound.UrlPolicy;
import com.comfyjobs.progress.Finalizer;
import com.comfyjobs.progress.WebhookResult;
import com.comfyjobs.progress.WebhookService;
import com.comfyjobs.progress.WebhookVerifier;
import com.comfyjobs.query.CancelService;
import com.comfyjobs.query.DeleteArtifactsService;
import com.comfyjobs.query.JobQueryService;
import com.comfyjobs.query.JobViews;
import com.comfyjobs.recovery.RecoveryService;
import com.comfyjobs.recovery.RecoverySummary;
import com.comfyjobs.servers.S3Server;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.comfyjobs.simulator.engine.PromptFate;
import com.comfyjobs.submit.Dispatcher;
import com.comfyjobs.submit.InputStaging;
import com.comfyjobs.submit.RawWorkflows;
import com.comfyjobs.submit.SubmitRequest;
import com.comfyjobs.submit.SubmitService;
import com.comfyjobs.templates.PublishedTemplate;
import com.comfyjobs.templates.TemplateService;
import com.comfyjobs.templates.TemplateSettings;
import com.comfyjobs.templates.memory.InMemoryTemplateStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.standardwebhooks.Webhook;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The job services wired as the functions wire them, on the in-memory store, talking real HTTP to
 * ComfyUI simulators and to S3Proxy in this JVM, under a clock the test moves. The simulators send no
 * webhooks: a job changes only by what the test delivers ({@link #deliver}) or runs. S3Proxy starts
 * once per JVM (it takes a second or two); each harness gets a bucket and fresh simulators of its own.
 * Templates live in an in-memory store; input images are taken into the bucket as the functions take
 * them, each call remembered ({@link RecordingInputImages}). Live listeners (WebSocket) are pushed to
 * through the real Management API client, posting to a local {@link ManagementApiSink}; an owed push
 * is made at once, the clock moved to its due time.
 */
public final class ServiceHarness implements AutoCloseable {
    public static final String WEBHOOK_SECRET = "whsec_" + Base64.getEncoder()
            .encodeToString("service-harness-secret-0123456789".getBytes(StandardCharsets.UTF_8));
    /** How long the simulators take per sampler step: {@link #quick()} runs one step, {@link #slow()} runs until stopped. */
    private static final long STEP_MILLIS = 20;
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong SEEDS = new AtomicLong(1);
    private static S3Server s3;

    /** The key callers' callback signing secrets are sealed with, as CALLBACK_SECRETS_KEY would hold it. */
    public static final String CALLBACK_SECRETS_KEY = "service-harness-callback-secrets-key-0123456789";

    private final UrlFetcher urlFetcher;
    private final UrlFetcher callbackHttp;

    public final MovableClock clock = new MovableClock();
    public final List<ComfyUiSimulator> sims;
    /** The first (often only) simulator. */
    public final ComfyUiSimulator sim;
    public final ServiceSettings settings;
    public final InMemoryJobStore store;
    public final ComfyUiPool pool;
    public final ArtifactStore artifacts;
    public final Dispatcher dispatcher;
    public final Finalizer finalizer;
    public final InMemoryTemplateStore templateStore;
    public final TemplateService templates;
    public final RecordingInputImages images;
    public final UploadService uploads;
    public final SubmitService submit;
    public final WebhookService webhooks;
    public final RecoveryService recovery;
    public final CancelService cancel;
    public final JobQueryService query;
    public final DeleteArtifactsService deleteArtifacts;
    /** The URL rules as the environment sets them (ALLOW_PRIVATE_URLS is true unless the test says otherwise). */
    public final UrlPolicy urls;
    public final WebhookSecretService callbackSecrets;
    public final CallbackSender callbacks;
    /** The schedule's sender; tests run it ({@link CallbackDrainer#drainDue()}) after moving the clock. */
    public final CallbackDrainer drainer;
    /** Where pushes to live listeners go: every message kept per connection. */
    public final ManagementApiSink sink = ManagementApiSink.start();
    public final InMemoryLiveConnections connections = new InMemoryLiveConnections(clock);
    /** The WebSocket routes: connect, subscribe and unsubscribe messages, disconnect. */
    public final LiveService live;
    private final ManagementApi managementApi;
    /** What the services reported (every service reports here). */
    public final RecordingJobObserver observed = new RecordingJobObserver();

    private ServiceHarness(int servers, Map<String, String> env, int... drained) {
        List<ComfyUiSimulator> started = new ArrayList<>();
        List<URI> urls = new ArrayList<>();
        for (int i = 0; i < servers; i++) {
            ComfyUiSimulator s = ComfyUiSimulator.builder().port(0).stepMillis(STEP_MILLIS).nodeMillis(1).build().start();
            started.add(s);
            urls.add(s.baseUri());
        }
        sims = List.copyOf(started);
        sim = sims.get(0);
        Map<String, String> vars = new HashMap<>(Map.of("RAW_WORKFLOWS", "all", "ALLOW_PRIVATE_URLS", "true"));
        vars.putAll(env);
        Env environment = new Env(vars);
        settings = ServiceSettings.fromEnv(environment);
        store = new InMemoryJobStore(16, settings.retention(), clock);
        // no cached probe: a server the test just stopped is seen as stopped by the next choice; 3 s for the
        // probe itself, since a loaded 2-core machine let a simulator just started miss 1 s and the job go unplaced
        pool = new ComfyUiPool(ComfyUiSettings.of(urls).withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(5))
                .withHealth(Duration.ofSeconds(3), Duration.ZERO)
                .withDrained(String.join(",", Arrays.stream(drained).mapToObj(i -> urls.get(i).toString()).toList())), clock);
        String bucket = "harness-" + UUID.randomUUID().toString().substring(0, 8);
        artifacts = ArtifactStore.create(ArtifactSettings.of(bucket, s3().endpoint()),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(S3Server.ACCESS_KEY, S3Server.SECRET_KEY)));
        artifacts.client().createBucket(b -> b.bucket(bucket));
        JobViews views = new JobViews(artifacts);
        live = new LiveService(store, connections, clock);
        managementApi = ManagementApi.create(sink.endpoint(), "us-east-1",
                StaticCredentialsProvider.create(AwsBasicCredentials.create("harness", "harness-secret")));
        LivePusher pusher = new LivePusher(store, views, managementApi, live, clock, (due, push) -> {
            clock.advanceTo(due);
            push.run();
        });
        dispatcher = new Dispatcher(store, pool, new InputStaging(pool, artifacts), settings, clock, observed, pusher);
        finalizer = new Finalizer(store, pool, artifacts, clock, observed, pusher);
        templateStore = new InMemoryTemplateStore();
        templates = new TemplateService(templateStore, () -> pool, TemplateSettings.fromEnv(environment), clock);
        urlFetcher = new UrlFetcher(UrlPolicy.fromEnv(environment), InputSettings.URL_CONNECT_TIMEOUT, InputSettings.URL_READ_TIMEOUT,
                InputSettings.URL_DEADLINE);
        images = new RecordingInputImages(new InputImageStore(artifacts, urlFetcher, InputSettings.fromEnv(environment), clock));
        uploads = new UploadService(artifacts, clock);
        this.urls = UrlPolicy.fromEnv(environment);
        submit = new SubmitService(store, pool, dispatcher, templates, images, RawWorkflows.fromEnv(environment), this.urls, settings, clock,
                observed);
        query = new JobQueryService(store, artifacts, () -> pool, settings.maxAttempts(), clock);
        callbackSecrets = new WebhookSecretService(store, new SecretBox(() -> CALLBACK_SECRETS_KEY, "CALLBACK_SECRETS_KEY"), clock);
        callbackHttp = new UrlFetcher(this.urls, CallbackSender.TIMEOUT, CallbackSender.TIMEOUT, CallbackSender.TIMEOUT, 16);
        callbacks = new CallbackSender(store, views, callbackSecrets, callbackHttp, settings, clock, observed);
        drainer = new CallbackDrainer(store, callbacks, clock, 8);
        webhooks = new WebhookService(store, WebhookVerifier.fromList(WEBHOOK_SECRET, "WEBHOOK_SECRET"), finalizer, pool, settings,
                clock, observed, callbacks, pusher);
        recovery = new RecoveryService(store, pool, dispatcher, finalizer, settings, clock, observed, pusher);
        cancel = new CancelService(store, pool, clock, observed, pusher);
        deleteArtifacts = new DeleteArtifactsService(store, artifacts);
    }

    /** One simulator, default settings. */
    public static ServiceHarness start() {
        return start(1, Map.of());
    }

    /** One simulator; {@code env} as the functions' environment (STALE_AFTER_SECONDS, MAX_ATTEMPTS, ...). */
    public static ServiceHarness start(Map<String, String> env) {
        return start(1, env);
    }

    /** {@code servers} simulators in the pool. */
    public static ServiceHarness start(int servers, Map<String, String> env) {
        return new ServiceHarness(servers, env);
    }

    /** {@code servers} simulators in the pool, those at the indexes {@code drained} drained (COMFYUI_DRAIN). */
    public static ServiceHarness startDraining(int servers, Map<String, String> env, int... drained) {
        return new ServiceHarness(servers, env, drained);
    }

    private static synchronized S3Server s3() {
        if (s3 == null) {
            s3 = S3Server.inMemory();
            S3Server started = s3;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close));
        }
        return s3;
    }

    /** The default workflow with a seed of its own and one sampler step: it runs to its end at once. */
    public static Workflow quick() {
        return steps(1);
    }

    /** The default workflow with as many sampler steps as ComfyUI allows: it runs until stopped (or the test ends). */
    public static Workflow slow() {
        return steps(10_000);
    }

    private static Workflow steps(int steps) {
        long seed = SEEDS.getAndIncrement();
        return JobFixtures.defaultWorkflow(g -> ((ObjectNode) g.get("3").get("inputs")).put("seed", seed).put("steps", steps));
    }

    public SubmitRequest request(Workflow workflow) {
        return SubmitRequest.parse(("{\"workflow\":" + workflow.json() + "}").getBytes(StandardCharsets.UTF_8), settings.maxRequestBytes());
    }

    /** A POST /jobs body as the caller sends it. */
    public SubmitRequest request(String body) {
        return SubmitRequest.parse(body.getBytes(StandardCharsets.UTF_8), settings.maxRequestBytes());
    }

    /** Publishes a template as an admin would, from its PUT body. */
    public PublishedTemplate publish(String name, String body) {
        return templates.publish(Caller.admin("harness-admin"), name, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Submits through {@link SubmitService} as a user (RAW_WORKFLOWS is all unless the test says otherwise) and answers the job as stored afterwards. */
    public Job submit(String userId, Workflow workflow) {
        return stored(submit.submit(Caller.user(userId), request(workflow), null).job().id());
    }

    public Job stored(String jobId) {
        return store.findById(jobId).orElseThrow(() -> new AssertionError("job " + jobId + " is not in the store"));
    }

    /** A client of the simulator, as the services reach it. */
    public ComfyUiClient comfy(ComfyUiSimulator s) {
        return pool.client(s.baseUrl());
    }

    /** The simulator the job was given. */
    public ComfyUiSimulator simOf(Job job) {
        return sims.stream().filter(s -> s.baseUrl().equals(job.comfyServer())).findFirst()
                .orElseThrow(() -> new AssertionError("job " + job.id() + " is on no simulator: " + job.comfyServer()));
    }

    /** Waits until the job's current prompt left ComfyUI (ran to its end, failed, interrupted, removed or lost). */
    public List<PromptFate> awaitEnded(Job job) {
        ComfyUiSimulator s = simOf(job);
        await("prompt " + job.promptId() + " to end", () -> !s.fates(job.promptId()).isEmpty());
        return s.fates(job.promptId());
    }

    /** Waits until ComfyUI runs the job's current prompt. */
    public void awaitRunning(Job job) {
        ComfyUiClient client = comfy(simOf(job));
        await("prompt " + job.promptId() + " to run", () -> client.queue() instanceof Reply.Ok<QueueSnapshot> ok
                && ok.value().find(job.promptId()) == QueueSnapshot.Place.RUNNING);
    }

    /**
     * Someone else who can reach ComfyUI queues {@code graph} under the job's prompt id, ahead of
     * everything pending ({@code front: true}): ComfyUI checks prompt ids for nothing. Answers
     * ComfyUI's status.
     */
    public int queueUnderTheJobsPromptId(Job job, Workflow graph) {
        ObjectNode body = JSON.createObjectNode().put("prompt_id", job.promptId()).put("client_id", "someone-else").put("front", true);
        try {
            body.set("prompt", JSON.readTree(graph.json()));
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(simOf(job).baseUri().resolve("/prompt"))
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    /** Waits for something the simulator does on its own threads; a wait, never a measure of speed. */
    public static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + PATIENCE.toSeconds() + " s for " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    /** Moves time past STALE_AFTER and runs recovery once. */
    public RecoverySummary recoverStale() {
        clock.advance(settings.staleAfter().plusSeconds(1));
        return recover();
    }

    /** Runs recovery once, now. */
    public RecoverySummary recover() {
        return recovery.run(clock.instant().plus(Duration.ofMinutes(1)));
    }

    /** A Standard Webhooks delivery of these ComfyUI events (a batch when more than one), signed and handled. */
    public WebhookResult deliver(String webhookId, String... envelopes) {
        String body = envelopes.length == 1 ? envelopes[0] : "[" + String.join(",", envelopes) + "]";
        return webhooks.handle(body.getBytes(StandardCharsets.UTF_8), signed(webhookId, body));
    }

    /** One ComfyUI event in a fresh delivery. */
    public WebhookResult deliver(String type, ObjectNode data) {
        return deliver("msg_" + UUID.randomUUID(), envelope(type, data));
    }

    /** ComfyUI's message {type, data} as the webhook sender wraps it. */
    public static String envelope(String type, ObjectNode data) {
        ObjectNode e = JSON.createObjectNode().put("event", "comfy." + type);
        e.putObject("data").put("type", type).set("data", data);
        return e.toString();
    }

    /** An event's data about this prompt; the test adds the fields of its type. */
    public static ObjectNode data(String promptId) {
        return JSON.createObjectNode().put("prompt_id", promptId);
    }

    /** The headers of a delivery signed with {@link #WEBHOOK_SECRET}, timestamped now. */
    public static Map<String, String> signed(String webhookId, String body) {
        long ts = Instant.now().getEpochSecond();
        try {
            return Map.of("webhook-id", webhookId, "webhook-timestamp", Long.toString(ts),
                    "webhook-signature", new Webhook(WEBHOOK_SECRET).sign(webhookId, ts, body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where ComfyUI saved the file the job's artifact was copied from: its attempt's folder on the job's simulator. */
    public Path comfyFileOf(Job job, JobArtifact artifact) {
        return simOf(job).outputFile(artifact.filename(), JobFolder.of(job.id(), job.attempt()));
    }

    public byte[] s3Object(String key) {
        return artifacts.client().getObjectAsBytes(b -> b.bucket(artifacts.bucket()).key(key)).asByteArray();
    }

    public List<String> s3Keys() {
        return artifacts.client().listObjectsV2(b -> b.bucket(artifacts.bucket())).contents().stream().map(o -> o.key()).toList();
    }

    @Override
    public void close() {
        for (ComfyUiSimulator s : sims) {
            s.close();
            deleteTree(s.outputDir().getParent());
        }
        urlFetcher.close();
        drainer.close();
        callbackHttp.close();
        managementApi.close();
        sink.close();
        artifacts.close();
        store.close();
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Wall-clock time that the test can move forward (a pause, or minutes passing, for every service at once). */
    public static final class MovableClock extends Clock {
        private final AtomicReference<Duration> ahead = new AtomicReference<>(Duration.ZERO);

        public void advance(Duration d) {
            ahead.updateAndGet(a -> a.plus(d));
        }

        /** Moves time forward to {@code t}, if it is not there yet (how an owed push's timer fires in the fast tier). */
        public void advanceTo(Instant t) {
            Duration d = Duration.between(instant(), t);
            if (!d.isNegative() && !d.isZero()) {
                advance(d);
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
            return Instant.now().plus(ahead.get());
        }
    }
}
