package com.comfyjobs.functions.wiring;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.config.Env;
import com.comfyjobs.functions.CancelJobHandler;
import com.comfyjobs.functions.ComfyWebhookHandler;
import com.comfyjobs.functions.GetJobHandler;
import com.comfyjobs.functions.ListJobsHandler;
import com.comfyjobs.functions.SubmitJobHandler;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.servers.FreePorts;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.servers.S3Server;
import com.comfyjobs.testing.CommandCounter;
import com.sun.net.httpserver.HttpServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micronaut.context.ApplicationContext;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * SnapStart priming of the HTTP handlers against a real redis-server and S3Proxy, with every ComfyUI
 * URL pointing at a server that only counts what reaches it: priming runs each handler's path and
 * leaves no trace (no key or value changed, no object, no ComfyUI call), closes the connection it
 * used, and a failing priming costs only the warm-up.
 */
class SnapStartPrimingIT {
    private static final String BUCKET = "priming-bucket";
    private static RedisNode redis;
    private static S3Server s3;
    private static HttpServer comfyUi;
    private static final AtomicInteger COMFYUI_REQUESTS = new AtomicInteger();
    private ApplicationContext context;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisNode.standalone();
        s3 = S3Server.inMemory();
        try (S3Client c = s3Client()) {
            c.createBucket(b -> b.bucket(BUCKET));
        }
        comfyUi = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        comfyUi.createContext("/", exchange -> {
            COMFYUI_REQUESTS.incrementAndGet();
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        comfyUi.start();
        System.setProperty("aws.accessKeyId", S3Server.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3Server.SECRET_KEY);
    }

    @AfterAll
    static void stop() {
        comfyUi.stop(0);
        s3.close();
        redis.close();
    }

    @BeforeEach
    void buildContext() {
        context = context(redis.uri().toString(), Map.of());
    }

    private static ApplicationContext context(String redisUrl, Map<String, String> more) {
        Map<String, String> env = new HashMap<>(more);
        env.put("REDIS_URL", redisUrl);
        env.put("S3_ENDPOINT", s3.endpoint().toString());
        env.put("ARTIFACT_BUCKET", BUCKET);
        env.put("AWS_REGION", "us-east-1");
        env.put("COMFYUI_URLS", "http://127.0.0.1:" + comfyUi.getAddress().getPort());
        env.put("WEBHOOK_SECRET", "whsec_cHJpbWluZy1zZWNyZXQtMDEyMzQ1Njc4OWFiY2RlZg==");
        env.put("CALLBACK_SECRETS_KEY", "snapstart-priming-callback-secrets-key-0123456789");
        env.put("RAW_WORKFLOWS", "all");
        env.put("METRICS_ENABLED", "false");
        return ApplicationContext.builder().singletons(new Env(env)).start();
    }

    @AfterEach
    void closeContext() {
        context.close();
    }

    @Test
    void primingRunsEachHandlersPathAndLeavesNoTrace() {
        RedisJobStore store = (RedisJobStore) context.getBean(JobStore.class);
        CommandCounter commands = new CommandCounter();
        store.connection().addListener(commands);
        String job = PromptIds.newJobId();
        store.create(new NewJob(Job.queued(job, "someone", JobType.IMAGE_GENERATION, Instant.now()).build(),
                Workflow.parse("{\"1\":{\"class_type\":\"SaveImage\",\"inputs\":{}}}"), 100, null));
        commands.reset();
        String before = redis.digest();
        int comfyUiBefore = COMFYUI_REQUESTS.get();

        SnapStartHooks.checkpoint(hooks(store, new GetJobHandler(context), new ListJobsHandler(context), new CancelJobHandler(context),
                new SubmitJobHandler(context), new ComfyWebhookHandler(context)));

        assertTrue(commands.of("HGETALL") >= 2L * SnapStartHooks.PRIMING_ROUNDS, "GET and cancel primed: " + commands.snapshot());
        assertEquals(before, redis.digest(), "priming changed data in Redis");
        assertEquals(comfyUiBefore, COMFYUI_REQUESTS.get(), "priming called ComfyUI");
        try (S3Client c = s3Client()) {
            assertEquals(0, c.listObjectsV2(b -> b.bucket(BUCKET)).keyCount(), "priming wrote to the bucket");
        }
        assertEquals(1, clientsConnectedToRedis(), "the store's connection is still open in the snapshot");
    }

    /** The checkpoint swallows a priming's failure, so each handler's own is called here, where one would show. */
    @Test
    void everyHandlersPrimingCompletes() {
        for (LazyHandler<?, ?> h : List.of(new GetJobHandler(context), new ListJobsHandler(context), new CancelJobHandler(context),
                new SubmitJobHandler(context), new ComfyWebhookHandler(context))) {
            assertDoesNotThrow(h::prime, h.getClass().getSimpleName());
        }
    }

    /** GET asks ComfyUI when the store is out of reach: priming against such a store would call it. */
    @Test
    void handlersAreNotPrimedWhileTheStoreIsOutOfReach() {
        // short timeouts: nothing listens there, and the test need not wait the default second
        try (ApplicationContext unreachable = context("redis://127.0.0.1:" + FreePorts.any(),
                Map.of("REDIS_CONNECT_TIMEOUT_MS", "200", "REDIS_COMMAND_TIMEOUT_MS", "300"))) {
            RedisJobStore store = (RedisJobStore) unreachable.getBean(JobStore.class);
            int comfyUiBefore = COMFYUI_REQUESTS.get();

            assertDoesNotThrow(() -> SnapStartHooks.checkpoint(List.of(new SnapStartHooks(store),
                    new SnapStartHooks(new GetJobHandler(unreachable)))));

            assertEquals(comfyUiBefore, COMFYUI_REQUESTS.get(), "priming called ComfyUI");
        }
    }

    @Test
    void aHandlerWhosePrimingFailsCostsOnlyItsWarmUp() {
        RedisJobStore store = (RedisJobStore) context.getBean(JobStore.class);
        CommandCounter commands = new CommandCounter();
        store.connection().addListener(commands);
        LazyHandler<Object, Object> failing = new LazyHandler<>(context) {
            @Override
            public Object execute(Object input) {
                return input;
            }

            @Override
            protected void prime() {
                throw new IllegalStateException("priming broke");
            }
        };

        assertDoesNotThrow(() -> SnapStartHooks.checkpoint(hooks(store, failing, new GetJobHandler(context))));

        assertTrue(commands.of("HGETALL") >= SnapStartHooks.PRIMING_ROUNDS, "the next handler was primed: " + commands.snapshot());
        assertEquals(1, clientsConnectedToRedis(), "the store's connection is still open in the snapshot");
    }

    private List<SnapStartHooks> hooks(RedisJobStore store, LazyHandler<?, ?>... handlers) {
        List<SnapStartHooks> hooks = new ArrayList<>();
        hooks.add(new SnapStartHooks(store));
        hooks.add(new SnapStartHooks(context.getBean(ArtifactStore.class)));
        for (LazyHandler<?, ?> h : handlers) {
            hooks.add(new SnapStartHooks(h));
        }
        return hooks;
    }

    /** CLIENT LIST from a connection of its own: that one is the 1. */
    private static long clientsConnectedToRedis() {
        RedisClient client = RedisClient.create(redis.uri().toString());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return c.sync().clientList().lines().filter(l -> !l.isBlank()).count();
        } finally {
            client.shutdown();
        }
    }

    private static S3Client s3Client() {
        return S3Client.builder().endpointOverride(s3.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3Server.ACCESS_KEY, S3Server.SECRET_KEY)))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build();
    }
}
