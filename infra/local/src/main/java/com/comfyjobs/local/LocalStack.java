package com.comfyjobs.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.comfyjobs.config.Env;
import com.comfyjobs.config.JobStoreType;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.Caller;
import com.comfyjobs.job.memory.InMemoryJobStore;
import com.comfyjobs.job.sqlite.SqliteJobStore;
import com.comfyjobs.live.memory.InMemoryLiveConnections;
import com.comfyjobs.live.sqlite.SqliteLiveConnections;
import com.comfyjobs.servers.FreePorts;
import com.comfyjobs.servers.LocalLambdaContext;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.servers.S3Server;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.comfyjobs.simulator.WebhookOptions;
import com.comfyjobs.templates.PublishedTemplate;
import com.comfyjobs.templates.TemplateRefusedException;
import com.comfyjobs.templates.TemplateService;
import com.comfyjobs.templates.memory.InMemoryTemplateStore;
import com.comfyjobs.templates.sqlite.SqliteTemplateStore;
import io.micronaut.context.ApplicationContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The whole system on one machine: the job store (JOB_STORE_TYPE: Redis, an embedded redis-server or
 * REDIS_URL or REDIS_HOST; in memory; or a SQLite file, SQLITE_PATH), S3 (S3Proxy on disk, or
 * S3_ENDPOINT), ComfyUI (the simulator, or COMFYUI_URLS), the API served from template.yaml
 * by {@link ApiGatewayEmulator}, the WebSocket API and its Management API by
 * {@link WebSocketApiEmulator}, and the scheduled functions (recovery, callbacks) on the template's
 * schedules, each on a thread of its own. The handlers are the Lambda handlers themselves, built once
 * and shared like warm containers. The shipped workflow templates (infra/templates) are published at start.
 * Beside the API, the same port serves the jobs page at / and the API's documentation at /docs ({@link StaticSite}).
 */
public final class LocalStack implements AutoCloseable {
    public static final String LOCAL_BUCKET = "comfyjobs-local";
    /** The SQLite file of JOB_STORE_TYPE=sqlite; comfyjobs.db in the data directory when unset. */
    public static final String SQLITE_PATH = "SQLITE_PATH";
    private static final String RECOVERY = "RecoveryFunction";
    private static final String CALLBACKS = "DeliverCallbacksFunction";
    /** What EventBridge Scheduler gives a scheduled function: its timeout as template.yaml sets it. */
    private static final Map<String, Duration> SCHEDULED_TIMEOUTS = Map.of(RECOVERY, Duration.ofSeconds(60), CALLBACKS, Duration.ofSeconds(60));

    /** How to start. Environment values override the defaults; everything else has a default. */
    public static final class Options {
        public String host = "127.0.0.1";
        public int port = 3000;
        /** The WebSocket API's port (0: any free one). */
        public int webSocketPort = 3001;
        public Duration recoveryEvery;
        /** How often the callbacks' schedule starts (each run drains for up to ~55 s while anything waits). */
        public Duration callbacksEvery;
        public int simulatorStepMillis = 40;
        public Path dataDir;
        public boolean durableRedis;
        /** Ports of the built-in Redis, S3Proxy and ComfyUI simulator; 0: free ones (sam local needs fixed ones: {@link SamLocalEnv}). */
        public int redisPort;
        public int s3Port;
        public int simulatorPort;
        public String defaultUser = "dev";
        /** Who may call; null: the development stack's X-Dev-User header ({@link DevHeaderIdentities}). */
        public CallerIdentities callers;
        /** Where S3Proxy keeps the bucket's objects; null: s3/ in the data directory. */
        public Path artifactsDir;
        /** Adjusts the simulator's webhook sender (fault knobs, batching) before it starts. */
        public java.util.function.UnaryOperator<WebhookOptions.Builder> webhook = b -> b;
        /** Adjusts the simulator itself (timings, checkpoints) before it starts. */
        public java.util.function.UnaryOperator<ComfyUiSimulator.Builder> comfyUi = b -> b;
        public Map<String, String> env = new HashMap<>(System.getenv());
    }

    private final List<AutoCloseable> started = new ArrayList<>();
    private final Options options;
    private RedisNode redis;
    private S3Server s3;
    private ComfyUiSimulator simulator;
    private ApplicationContext context;
    private ApiGatewayEmulator api;
    private WebSocketApiEmulator webSocket;
    private String webSocketHost;
    private ScheduledExecutorService scheduler;
    private Env env;
    private String webhookSecret;
    private boolean generatedSecret;
    private final Map<String, RequestHandler<Map<String, Object>, Map<String, Object>>> scheduled = new HashMap<>();
    private final List<String> templates = new ArrayList<>();

    private LocalStack(Options options) {
        this.options = options;
    }

    public static LocalStack start(Options options) {
        LocalStack s = new LocalStack(options);
        try {
            s.boot();
            return s;
        } catch (RuntimeException | IOException e) {
            s.close();
            throw e instanceof RuntimeException re ? re : new UncheckedIOException((IOException) e);
        }
    }

    @SuppressWarnings("unchecked")
    private void boot() throws IOException {
        Map<String, String> vars = new HashMap<>(options.env);
        Path data = options.dataDir != null ? options.dataDir : Files.createTempDirectory("comfyjobs-local-");
        int port = options.port == 0 ? FreePorts.any() : options.port;

        JobStoreType storeType = JobStoreType.fromEnv(new Env(vars));
        if (storeType == JobStoreType.REDIS && blank(vars.get("REDIS_URL")) && blank(vars.get("REDIS_HOST"))) {
            redis = options.durableRedis ? RedisNode.durable() : RedisNode.standaloneOn(options.redisPort);
            started.add(redis);
            vars.put("REDIS_URL", redis.uri().toString());
            vars.put("REDIS_CLUSTER", "false");
        }
        if (blank(vars.get("S3_ENDPOINT"))) {
            s3 = S3Server.onDisk(Files.createDirectories(options.artifactsDir != null ? options.artifactsDir : data.resolve("s3")), options.s3Port);
            started.add(s3);
            vars.put("S3_ENDPOINT", s3.endpoint().toString());
            vars.put("ARTIFACT_BUCKET", LOCAL_BUCKET);
            // the AWS SDK's default credential chain reads these system properties; only the local stack sets them
            System.setProperty("aws.accessKeyId", S3Server.ACCESS_KEY);
            System.setProperty("aws.secretAccessKey", S3Server.SECRET_KEY);
            createBucket(s3.endpoint(), LOCAL_BUCKET);
        }
        vars.putIfAbsent("AWS_REGION", S3Server.REGION);
        webhookSecret = vars.get("WEBHOOK_SECRET");
        if (blank(webhookSecret)) {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            webhookSecret = "whsec_" + Base64.getEncoder().encodeToString(key);
            generatedSecret = true;
            vars.put("WEBHOOK_SECRET", webhookSecret);
        }
        if (blank(vars.get("CALLBACK_SECRETS_KEY"))) {
            // callers' signing secrets sealed under a key made now cannot be opened after a restart with another:
            // a durable local setup sets CALLBACK_SECRETS_KEY itself
            byte[] key = new byte[36];
            new SecureRandom().nextBytes(key);
            vars.put("CALLBACK_SECRETS_KEY", Base64.getEncoder().encodeToString(key));
        }
        // the local stack runs on plain variables; an ARN copied from a deployment would send it to Secrets Manager
        for (String arn : new String[] {"WEBHOOK_SECRET_ARN", "REDIS_URL_SECRET_ARN", "COMFYUI_HEADER_SECRET_ARN", "POSTHOG_API_KEY_SECRET_ARN",
                "CALLBACK_SECRETS_KEY_ARN"}) {
            vars.remove(arn);
        }
        vars.putIfAbsent("METRICS_ENABLED", "false");
        // the quick start and the demo submit raw workflows as any user and fetch images from this machine;
        // template.yaml deploys RAW_WORKFLOWS=admins and ALLOW_PRIVATE_URLS=false
        vars.putIfAbsent("RAW_WORKFLOWS", "all");
        vars.putIfAbsent("ALLOW_PRIVATE_URLS", "true");
        // pushes go to this stack's own WebSocket API, whatever a deployment's endpoint the environment names
        int webSocketPort = options.webSocketPort == 0 ? FreePorts.any() : options.webSocketPort;
        webSocketHost = options.host;
        vars.put("WEBSOCKET_ENDPOINT", WebSocketApiEmulator.endpoint(reachableHost(options.host), webSocketPort));
        URI webhookUrl = URI.create("http://" + reachableHost(options.host) + ":" + port + "/webhooks/comfyui");
        if (blank(vars.get("COMFYUI_URLS"))) {
            simulator = options.comfyUi.apply(ComfyUiSimulator.builder()
                    .host("127.0.0.1").port(options.simulatorPort)
                    .stepMillis(options.simulatorStepMillis)
                    .outputDir(Files.createDirectories(data.resolve("comfyui-output")))
                    .webhook(options.webhook.apply(WebhookOptions.builder().url(webhookUrl).secret(signingSecret(webhookSecret))).build()))
                    .build();
            simulator.start();
            started.add(simulator);
            vars.put("COMFYUI_URLS", simulator.baseUrl());
        }
        if (storeType == JobStoreType.SQLITE && blank(vars.get(SQLITE_PATH))) {
            vars.put(SQLITE_PATH, data.resolve("comfyjobs.db").toString());
        }
        env = new Env(vars);

        context = ApplicationContext.builder().singletons(stores(storeType)).start();
        TemplateRoutes template = TemplateRoutes.load();
        Map<String, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers = new HashMap<>();
        for (TemplateRoutes.Route r : template.routes()) {
            handlers.computeIfAbsent(r.handler(), h -> (RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>) handler(h));
        }
        publishShippedTemplates();
        LocalAdmins admins = LocalAdmins.fromEnv(env);
        CallerIdentities callers = options.callers != null ? options.callers : new DevHeaderIdentities(options.defaultUser, admins);
        api = new ApiGatewayEmulator(options.host, port, template.routes(), handlers, callers, admins,
                StaticSite.load(callers.credential(), options.defaultUser, webSocketPort));
        Map<String, RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse>> webSocketRoutes = new HashMap<>();
        for (TemplateRoutes.WebSocketRoute r : template.webSocketRoutes()) {
            webSocketRoutes.put(r.routeKey(), (RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse>) handler(r.handler()));
        }
        try {
            webSocket = new WebSocketApiEmulator(options.host, webSocketPort, webSocketRoutes, callers);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while opening the WebSocket API", e);
        }
        // one thread per schedule: a callbacks run that drains for most of a minute does not hold recovery back
        scheduler = Executors.newScheduledThreadPool(Math.max(1, template.schedules().size()), r -> {
            Thread t = new Thread(r, "local-schedule");
            t.setDaemon(true);
            return t;
        });
        for (TemplateRoutes.Schedule s : template.schedules()) {
            scheduled.put(s.name(), (RequestHandler<Map<String, Object>, Map<String, Object>>) handler(s.handler()));
            Duration every = switch (s.name()) {
                case RECOVERY -> options.recoveryEvery;
                case CALLBACKS -> options.callbacksEvery;
                default -> null;
            };
            Duration rate = every != null ? every : s.rate();
            scheduler.scheduleWithFixedDelay(() -> runScheduled(s.name()), rate.toMillis(), rate.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The beans the services run on: the environment, and for a store other than Redis the job and
     * template stores and the WebSocket connections themselves (the functions' factory builds only the
     * Redis ones). A SQLite file
     * keeps its jobs and templates across restarts; memory keeps them until the stack stops.
     */
    private Object[] stores(JobStoreType type) {
        Duration retention = ServiceSettings.fromEnv(env).retention();
        switch (type) {
            case MEMORY -> {
                return new Object[] {env, new InMemoryJobStore(InMemoryJobStore.DEFAULT_SHARDS, retention, Clock.systemUTC()),
                    new InMemoryTemplateStore(), new InMemoryLiveConnections(Clock.systemUTC())};
            }
            case SQLITE -> {
                SqliteJobStore jobs = SqliteJobStore.open(Path.of(env.required(SQLITE_PATH)), SQLITE_PATH, retention, Clock.systemUTC());
                started.add(jobs);
                return new Object[] {env, jobs, new SqliteTemplateStore(jobs.database()), new SqliteLiveConnections(jobs.database(),
                    Clock.systemUTC())};
            }
            default -> {
                return new Object[] {env};
            }
        }
    }

    /**
     * Publishes the shipped templates as an admin would, before the API opens. The same body again
     * keeps its version, so a restart on a durable Redis or a SQLite file changes nothing; a template
     * the ComfyUI at hand refuses (a real server without a node it needs) is reported and left out.
     */
    private void publishShippedTemplates() {
        TemplateService service = context.getBean(TemplateService.class);
        for (Map.Entry<String, byte[]> t : LocalTemplates.shipped().entrySet()) {
            try {
                PublishedTemplate p = service.publish(Caller.admin("local-stack"), t.getKey(), t.getValue());
                templates.add(t.getKey() + " v" + p.template().version());
            } catch (TemplateRefusedException e) {
                System.err.println("template " + t.getKey() + " not published: " + e.getMessage());
            }
        }
    }

    /** WEBHOOK_SECRET may list several secrets (rotation); a sender signs with the newest, the last one. */
    private static String signingSecret(String secrets) {
        String[] all = secrets.trim().split("[\\s,]+");
        return all[all.length - 1];
    }

    private Object handler(String className) {
        try {
            return Class.forName(className).getConstructor(ApplicationContext.class).newInstance(context);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("template.yaml names handler " + className + ", which cannot be built", e);
        }
    }

    /** One run of the scheduled recovery function, as EventBridge Scheduler would invoke it. */
    public Map<String, Object> runRecovery() {
        return runScheduled(RECOVERY);
    }

    /** One run of the callbacks' schedule: it sends what is due and returns once nothing waits (or near its timeout). */
    public Map<String, Object> runCallbacks() {
        return runScheduled(CALLBACKS);
    }

    private Map<String, Object> runScheduled(String function) {
        try {
            return scheduled.get(function).handleRequest(Map.of(),
                    new LocalLambdaContext(function, SCHEDULED_TIMEOUTS.getOrDefault(function, Duration.ofSeconds(60)), 1024));
        } catch (RuntimeException e) {
            System.err.println(function + " run failed: " + e);
            return Map.of("error", String.valueOf(e.getMessage()));
        }
    }

    private static void createBucket(URI endpoint, String bucket) {
        try (S3Client s3 = S3Client.builder().endpointOverride(endpoint).region(Region.of(S3Server.REGION))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3Server.ACCESS_KEY, S3Server.SECRET_KEY)))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                .build()) {
            if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(bucket))) {
                s3.createBucket(b -> b.bucket(bucket));
            }
        }
    }

    /** Where this machine reaches a server bound to {@code host}: a wildcard address listens on loopback too. */
    static String reachableHost(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") ? "127.0.0.1" : host;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    public URI apiUrl() {
        return URI.create("http://" + options.host + ":" + api.port());
    }

    public int port() {
        return api.port();
    }

    /** Handler class to the API requests it served since start (the Lambda invocations a deployment would bill). */
    public Map<String, Long> invocations() {
        return api.invocations();
    }

    /** The WebSocket API: ws://HOST:PORT/ws; {@code ?user=NAME} names the caller here. */
    public URI webSocketUrl() {
        return URI.create("ws://" + webSocketHost + ":" + webSocket.port() + WebSocketApiEmulator.PATH);
    }

    public WebSocketApiEmulator webSocket() {
        return webSocket;
    }

    public Env env() {
        return env;
    }

    public String webhookSecret() {
        return webhookSecret;
    }

    public boolean generatedWebhookSecret() {
        return generatedSecret;
    }

    /** The in-process simulator, or null when a real ComfyUI was given. */
    public ComfyUiSimulator simulator() {
        return simulator;
    }

    public RedisNode redis() {
        return redis;
    }

    public S3Server s3() {
        return s3;
    }

    public ApplicationContext context() {
        return context;
    }

    /** The shipped templates published at start, as "name vN". */
    public List<String> templates() {
        return List.copyOf(templates);
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                scheduler.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (api != null) {
            api.close();
        }
        if (webSocket != null) {
            webSocket.close();
        }
        if (context != null) {
            context.close();
        }
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                System.err.println("stopping " + started.get(i) + " failed: " + e);
            }
        }
    }
}
