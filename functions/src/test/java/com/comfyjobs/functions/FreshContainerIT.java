package com.comfyjobs.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.servers.FreePorts;
import com.comfyjobs.servers.LocalLambdaContext;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.comfyjobs.testing.MotoServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Each handler the way Lambda starts it: a fresh JVM on the jar Lambda runs, the default constructor,
 * configuration from the environment only, and each function's environment holding only what that
 * function may read (the submit function, for one, cannot read the webhook secret). Catches what
 * in-process tests with a prepared context cannot: a bean built at init that the function has no
 * business building, or a class the jar leaves out.
 */
class FreshContainerIT {
    /** The functions that seal or open callers' callback signing secrets: only they may read the key. */
    private static final java.util.Set<String> SIGNS_CALLBACKS = java.util.Set.of("ComfyWebhookHandler", "GetWebhookSecretHandler",
            "RotateWebhookSecretHandler", "DeliverCallbacksHandler");
    private static final String CALLBACK_SECRETS_KEY = "fresh-container-callback-secrets-key-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static RedisNode redis;
    private static ComfyUiSimulator sim;
    private static String lambdaClasspath;

    @BeforeAll
    static void start() {
        // the Lambda jar, and beside it only the runtime's part: FreshContainer and the Lambda context it passes
        lambdaClasspath = String.join(File.pathSeparator, LambdaJar.path().toString(), LambdaJar.moduleOf(FreshContainer.class).toString(),
                LambdaJar.moduleOf(LocalLambdaContext.class).toString());
        redis = RedisNode.standalone();
        sim = ComfyUiSimulator.builder().port(0).build().start();
        sim.faults().holdQueue(true);
    }

    @AfterAll
    static void stop() {
        sim.close();
        redis.close();
    }

    /** The environment every function gets in these tests; REDIS_URL is replaced where the URL comes from a secret. */
    private static Map<String, String> baseEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("REDIS_URL", redis.uri().toString());
        env.put("COMFYUI_URLS", sim.baseUrl());
        env.put("ARTIFACT_BUCKET", "fresh-bucket");
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", "fresh");
        env.put("AWS_SECRET_ACCESS_KEY", "fresh-secret");
        env.put("S3_ENDPOINT", "http://127.0.0.1:9");
        env.put("METRICS_ENABLED", "false");
        // the container's caller is no admin: this lets it submit the raw workflow it is given
        env.put("RAW_WORKFLOWS", "all");
        env.put("JWT_ISSUER", "https://issuer.example.com");
        env.put("JWT_AUDIENCE", "fresh-client");
        env.put("JOB_STORE_TYPE", "redis");
        return env;
    }

    /** With the WebSocket API's endpoint, a pushing function builds the Management API client from the jar as shaded. */
    @ParameterizedTest
    @CsvSource({
        "CancelJobHandler, DELETE /jobs/{jobId}, 404",
        "ComfyWebhookHandler, POST /webhooks/comfyui, 401"
    })
    void aPushingFunctionStartsWithItsWebSocketEndpoint(String handler, String route, String expected) throws Exception {
        Map<String, String> env = baseEnv();
        env.put("WEBSOCKET_ENDPOINT", "https://wsapi12345.execute-api.us-east-1.amazonaws.com/live");
        env.put("WEBHOOK_SECRET", "whsec_ZnJlc2gtY29udGFpbmVyLXNlY3JldC0wMTIzNDU2Nzg5");
        if (SIGNS_CALLBACKS.contains(handler)) {
            env.put("CALLBACK_SECRETS_KEY", CALLBACK_SECRETS_KEY);
        }
        assertEquals(expected, answer(handler, route, env));
    }

    @ParameterizedTest
    @CsvSource({
        "SubmitJobHandler, POST /jobs, 202",
        "CreateUploadHandler, POST /uploads, 201",
        "GetJobHandler, GET /jobs/{jobId}, 404",
        "ListJobsHandler, GET /jobs, 200",
        "GetUsageHandler, GET /usage, 200",
        "CancelJobHandler, DELETE /jobs/{jobId}, 404",
        "DeleteArtifactsHandler, DELETE /jobs/{jobId}/artifacts, 404",
        "ComfyWebhookHandler, POST /webhooks/comfyui, 401",
        "ListTemplatesHandler, GET /templates, 200",
        "GetTemplateHandler, GET /templates/{name}, 404",
        "PublishTemplateHandler, PUT /templates/{name}, 201",
        "RetireTemplateHandler, DELETE /templates/{name}, 404",
        "RecoveryHandler, schedule, summary",
        "GetWebhookSecretHandler, GET /webhook-secret, 200",
        "RotateWebhookSecretHandler, POST /webhook-secret, 200",
        "DeliverCallbacksHandler, schedule, drained",
        "WebSocketAuthorizerHandler, authorize, Deny",
        "WebSocketConnectHandler, $connect, 200",
        "WebSocketSubscriptionsHandler, $default, 200/400",
        "WebSocketDisconnectHandler, $disconnect, 200"
    })
    void startsWithOnlyItsOwnConfigurationAndAnswers(String handler, String route, String expected) throws Exception {
        Map<String, String> env = baseEnv();
        if (handler.equals("ComfyWebhookHandler")) {
            env.put("WEBHOOK_SECRET", "whsec_ZnJlc2gtY29udGFpbmVyLXNlY3JldC0wMTIzNDU2Nzg5");
        }
        if (SIGNS_CALLBACKS.contains(handler)) {
            env.put("CALLBACK_SECRETS_KEY", CALLBACK_SECRETS_KEY);
        }
        String answer = answer(handler, route, env);
        if (expected.equals("summary")) {
            assertTrue(answer.contains("scanned"), answer);
        } else if (expected.equals("drained")) {
            assertTrue(answer.contains("passes"), answer);
        } else {
            assertEquals(expected, answer);
        }
    }

    /**
     * With every secret in Secrets Manager (moto_server, where it is installed), as template.yaml sets
     * them: the SDK's client works from the Lambda jar as shaded, and each function starts on what it reads.
     */
    @Test
    void readsItsSecretsFromSecretsManagerInTheLambdaJar() throws Exception {
        Assumptions.assumeTrue(MotoServer.isInstalled(), "moto_server is not on PATH");
        try (MotoServer moto = MotoServer.start();
             SecretsManagerClient admin = SecretsManagerClient.builder().endpointOverride(moto.endpoint()).region(Region.US_EAST_1)
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("fresh", "fresh-secret")))
                     .httpClient(UrlConnectionHttpClient.create()).build()) {
            Map<String, String> env = baseEnv();
            env.remove("REDIS_URL");
            env.put("SECRETS_MANAGER_ENDPOINT", moto.endpoint().toString());
            env.put("REDIS_URL_SECRET_ARN", admin.createSecret(r -> r.name("fresh/redis")
                    .secretString("{\"url\": \"" + redis.uri() + "\"}")).arn());
            env.put("COMFYUI_HEADER_SECRET_ARN", admin.createSecret(r -> r.name("fresh/comfyui-header")
                    .secretString("X-Proxy-Token: fresh-token")).arn());
            assertEquals("202", answer("SubmitJobHandler", "POST /jobs", env));
            env.put("WEBHOOK_SECRET_ARN", admin.createSecret(r -> r.name("fresh/webhook")
                    .secretString("whsec_ZnJlc2gtY29udGFpbmVyLXNlY3JldC0wMTIzNDU2Nzg5")).arn());
            env.put("CALLBACK_SECRETS_KEY_ARN", admin.createSecret(r -> r.name("fresh/callback-secrets-key")
                    .secretString(CALLBACK_SECRETS_KEY)).arn());
            assertEquals("401", answer("ComfyWebhookHandler", "POST /webhooks/comfyui", env), "built its verifier, refused the unsigned call");
            assertEquals("200", answer("GetWebhookSecretHandler", "GET /webhook-secret", env), "sealed and opened with the key from Secrets Manager");
        }
    }

    /**
     * The Lambda functions take no store but Redis: started with JOB_STORE_TYPE=memory or sqlite (a
     * store per container, losing jobs between functions) or a value that names no store, each fails
     * at init with a message naming the variable, before it answers anything; the upload function
     * among them, though it never builds a store.
     */
    @ParameterizedTest
    @CsvSource({
        "SubmitJobHandler, POST /jobs, memory, JOB_STORE_TYPE is memory",
        "CreateUploadHandler, POST /uploads, sqlite, JOB_STORE_TYPE is sqlite",
        "RecoveryHandler, schedule, memory, JOB_STORE_TYPE is memory",
        "GetJobHandler, GET /jobs/{jobId}, postgres, JOB_STORE_TYPE must be redis, memory or sqlite, was 'postgres'"
    })
    void refusesToStartOnAnyStoreButRedis(String handler, String route, String type, String message) throws Exception {
        Map<String, String> env = baseEnv();
        env.put("JOB_STORE_TYPE", type);
        Run run = run(handler, route, env);
        assertTrue(run.exit() != 0, run.output());
        assertEquals(null, run.answer(), run.output());
        assertTrue(run.output().contains("com.comfyjobs.config.ConfigException: " + message), run.output());
    }

    /**
     * Redis out of reach (a port nothing listens on): the request answers 503, and what the container
     * printed about it are JSON lines, one object each, the one on the outage carrying the Lambda
     * request id of the invocation and API Gateway's, and the exception.
     */
    @Test
    void logsARedisOutageAsJsonLinesWithTheRequestId() throws Exception {
        Map<String, String> env = baseEnv();
        env.put("REDIS_URL", "redis://127.0.0.1:" + FreePorts.any());
        Run run = run("GetJobHandler", "GET /jobs/{jobId}", env);
        assertEquals(0, run.exit(), run.output());
        assertEquals("503", run.answer(), run.output());
        List<JsonNode> lines = new ArrayList<>();
        for (String line : run.output().split("\n")) {
            if (!line.startsWith("ANSWER ") && !line.startsWith("REQUEST ")) {
                lines.add(JSON.readTree(line));
            }
        }
        JsonNode outage = lines.stream().filter(l -> l.path("msg").asText().equals("state store unavailable")).findFirst()
                .orElseThrow(() -> new AssertionError(run.output()));
        assertEquals("ERROR", outage.path("level").asText());
        assertEquals(run.requestId(), outage.path("requestId").asText(), run.output());
        assertEquals("fresh", outage.path("apiRequestId").asText());
        assertTrue(outage.path("error").asText().contains("StateStoreUnavailableException"), outage.toString());
    }

    /** A log level that is no level stops a function at init with a message naming the variable, as any bad configuration does. */
    @Test
    void refusesToStartWithALogLevelThatIsNoLevel() throws Exception {
        Map<String, String> env = baseEnv();
        env.put("LOG_LEVEL", "verbose");
        Run run = run("ListJobsHandler", "GET /jobs", env);
        assertTrue(run.exit() != 0, run.output());
        assertEquals(null, run.answer(), run.output());
        assertTrue(run.output().contains("com.comfyjobs.config.ConfigException: LOG_LEVEL must be one of"), run.output());
    }

    /** What a fresh JVM running one handler did: its exit code, all it printed, its answer and Lambda request id. */
    private record Run(int exit, String output, String answer, String requestId) {
    }

    /** Runs the handler in a fresh JVM with exactly {@code env}; its answer (status or summary). No SLF4J warning on the way. */
    private static String answer(String handler, String route, Map<String, String> env) throws Exception {
        Run run = run(handler, route, env);
        assertEquals(0, run.exit(), run.output());
        assertTrue(run.answer() != null, run.output());
        assertFalse(run.output().contains("SLF4J"), run.output());
        return run.answer();
    }

    private static Run run(String handler, String route, Map<String, String> env) throws Exception {
        // {"workflow": ...} is both a raw job and a template without params, so the publish checks its graph on the simulator
        String body = "{\"workflow\":" + new String(FreshContainerIT.class.getResourceAsStream("/workflows/default-txt2img.json").readAllBytes(),
                StandardCharsets.UTF_8) + "}";
        if (route.equals("POST /webhook-secret")) {
            body = "{}";
        }
        ProcessBuilder pb = new ProcessBuilder("java", "-cp", lambdaClasspath, FreshContainer.class.getName(),
                "com.comfyjobs.functions." + handler, route, body).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv("PATH"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String answer = null;
        String requestId = null;
        StringBuilder all = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                all.append(line).append('\n');
                if (line.startsWith("ANSWER ")) {
                    answer = line.substring("ANSWER ".length());
                }
                if (line.startsWith("REQUEST ")) {
                    requestId = line.substring("REQUEST ".length());
                }
            }
        }
        return new Run(p.waitFor(), all.toString(), answer, requestId);
    }
}
