package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponseV1;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.comfyjobs.config.Env;
import com.comfyjobs.servers.LocalLambdaContext;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.servers.S3Server;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.comfyjobs.testing.CallbackReceiver;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.HttpServer;
import io.micronaut.context.ApplicationContext;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every file in events/ through its handler, deserialized the way the Lambda Java runtime does it,
 * against a real redis-server, S3Proxy and the ComfyUI simulator.
 */
class FunctionEventsIT {
    private static final String EVENTS_SECRET = "whsec_Y29tZnlqb2JzLWV2ZW50cy1zZWNyZXQtMzItYnl0ZXMh";
    private static final String EVENTS_JOB = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static RedisNode redis;
    private static S3Server s3;
    private static ComfyUiSimulator sim;
    private static ApplicationContext context;
    private static Path events;
    /** The WebSocket authorizer's issuer: a discovery document and a JWKS served from this JVM. */
    private static HttpServer issuer;
    private static RSAKey issuerKey;

    @BeforeAll
    static void start() {
        redis = RedisNode.standalone();
        s3 = S3Server.inMemory();
        sim = ComfyUiSimulator.builder().port(0).stepMillis(5).nodeMillis(1).build();
        sim.start();
        try (S3Client c = s3Client()) {
            c.createBucket(b -> b.bucket("events-bucket"));
        }
        issuer = startIssuer();
        System.setProperty("aws.accessKeyId", S3Server.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3Server.SECRET_KEY);
        Map<String, String> env = new HashMap<>();
        env.put("REDIS_URL", redis.uri().toString());
        env.put("S3_ENDPOINT", s3.endpoint().toString());
        env.put("ARTIFACT_BUCKET", "events-bucket");
        env.put("AWS_REGION", "us-east-1");
        env.put("COMFYUI_URLS", sim.baseUrl());
        env.put("WEBHOOK_SECRET", EVENTS_SECRET);
        env.put("CALLBACK_SECRETS_KEY", "function-events-callback-secrets-key-0123456789");
        // callbacks go to a receiver on this machine
        env.put("ALLOW_PRIVATE_URLS", "true");
        env.put("METRICS_ENABLED", "false");
        env.put("JWT_ISSUER", issuerUrl());
        env.put("JWT_AUDIENCE", "events-client");
        context = ApplicationContext.builder().singletons(new Env(env)).start();
        events = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(events.resolve("events"))) {
            events = events.getParent();
        }
        events = events.resolve("events");
    }

    private static HttpServer startIssuer() {
        try {
            issuerKey = new RSAKeyGenerator(2048).keyID("events").generate();
            HttpServer server = HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 8);
            server.createContext("/", x -> {
                String body = x.getRequestURI().getPath().endsWith("/jwks.json") ? new JWKSet(issuerKey.toPublicJWK()).toString()
                        : "{\"issuer\": \"http://127.0.0.1:" + server.getAddress().getPort() + "\", \"jwks_uri\": \"http://127.0.0.1:"
                        + server.getAddress().getPort() + "/jwks.json\"}";
                byte[] b = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                x.sendResponseHeaders(200, b.length);
                try (var out = x.getResponseBody()) {
                    out.write(b);
                }
            });
            server.start();
            return server;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String issuerUrl() {
        return "http://127.0.0.1:" + issuer.getAddress().getPort();
    }

    /** A token of user-alice that the issuer signed, valid for five minutes. */
    private static String freshToken() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("events").build(), new JWTClaimsSet.Builder()
                .issuer(issuerUrl()).audience("events-client").subject("user-alice")
                .expirationTime(java.util.Date.from(Instant.now().plusSeconds(300))).build());
        jwt.sign(new RSASSASigner(issuerKey));
        return jwt.serialize();
    }

    @AfterAll
    static void stop() {
        issuer.stop(0);
        context.close();
        sim.close();
        s3.close();
        redis.close();
    }

    private static S3Client s3Client() {
        return S3Client.builder().endpointOverride(s3.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3Server.ACCESS_KEY, S3Server.SECRET_KEY)))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build();
    }

    /** The file, with the events' sample job id replaced, deserialized by the Lambda runtime's own serializer. */
    private static APIGatewayV2HTTPEvent event(String file, String jobId) throws Exception {
        return event(file, jobId, APIGatewayV2HTTPEvent.class);
    }

    private static <T> T event(String file, String jobId, Class<T> type) throws Exception {
        String text = Files.readString(events.resolve(file));
        if (jobId != null) {
            text = text.replace(EVENTS_JOB, jobId);
        }
        PojoSerializer<T> s = LambdaEventSerializers.serializerFor(type, FunctionEventsIT.class.getClassLoader());
        try (InputStream in = new java.io.ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
            return s.fromJson(in);
        }
    }

    /** The webhook files are signed at a fixed time; sign again now, as the bridge would. */
    private static APIGatewayV2HTTPEvent signedNow(String file, String jobId) throws Exception {
        APIGatewayV2HTTPEvent e = event(file, jobId);
        Map<String, String> h = new HashMap<>(e.getHeaders());
        long ts = Instant.now().getEpochSecond();
        String id = h.get("webhook-id") + "-" + System.nanoTime();
        h.put("webhook-id", id);
        h.put("webhook-timestamp", Long.toString(ts));
        h.put("webhook-signature", new Webhook(EVENTS_SECRET).sign(id, ts, e.getBody()));
        e.setHeaders(h);
        return e;
    }

    private static LocalLambdaContext ctx() {
        return new LocalLambdaContext("test", Duration.ofSeconds(25), 1024);
    }

    private static JsonNode body(APIGatewayV2HTTPResponse r) throws Exception {
        return JSON.readTree(r.getBody());
    }

    private static String submitted() throws Exception {
        APIGatewayV2HTTPResponse r = new SubmitJobHandler(context).handleRequest(event("submit.json", null), ctx());
        assertEquals(202, r.getStatusCode(), r.getBody());
        return body(r).get("jobId").asText();
    }

    @Test
    void submitAnswers202WithTheJobAndItsLocation() throws Exception {
        APIGatewayV2HTTPResponse r = new SubmitJobHandler(context).handleRequest(event("submit.json", null), ctx());
        assertEquals(202, r.getStatusCode(), r.getBody());
        JsonNode b = body(r);
        assertEquals("queued", b.get("status").asText());
        assertEquals("/jobs/" + b.get("jobId").asText(), r.getHeaders().get("Location"));
        assertTrue(sim.submittedPrompts().contains(b.get("jobId").asText() + "_1"));
    }

    @Test
    void aRawWorkflowFromACallerWhoIsNoAdminIs403UnderTheTemplatesDefault() throws Exception {
        APIGatewayV2HTTPEvent e = event("submit.json", null);
        e.getRequestContext().getAuthorizer().getJwt().getClaims().remove("scope");
        APIGatewayV2HTTPResponse r = new SubmitJobHandler(context).handleRequest(e, ctx());
        assertEquals(403, r.getStatusCode(), r.getBody());
        assertEquals("Raw workflows not allowed", body(r).get("title").asText());
    }

    @Test
    void createUploadAnswers201WithAUrlThatTakesThePut() throws Exception {
        APIGatewayV2HTTPResponse r = new CreateUploadHandler(context).handleRequest(event("create-upload.json", null), ctx());
        assertEquals(201, r.getStatusCode(), r.getBody());
        JsonNode b = body(r);
        assertTrue(b.get("upload").asText().matches("[0-9a-f-]{36}"), b.toString());
        assertTrue(Instant.parse(b.get("expiresAt").asText()).isAfter(Instant.now()));
        HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(b.get("url").asText()))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3})).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, put.statusCode(), put.body());
    }

    @Test
    void theIdempotentSubmitReplaysTheFirstAnswer() throws Exception {
        APIGatewayV2HTTPResponse first = new SubmitJobHandler(context).handleRequest(event("submit-idempotent.json", null), ctx());
        APIGatewayV2HTTPResponse again = new SubmitJobHandler(context).handleRequest(event("submit-idempotent.json", null), ctx());
        assertEquals(202, first.getStatusCode(), first.getBody());
        assertEquals(202, again.getStatusCode(), again.getBody());
        assertEquals(body(first), body(again));
        assertEquals("true", again.getHeaders().get("Idempotent-Replayed"));
        String pid = body(first).get("jobId").asText() + "_1";
        assertEquals(1, sim.submittedPrompts().stream().filter(pid::equals).count(), "sent to ComfyUI once");
    }

    @Test
    void getAndListShowTheCallersJobs() throws Exception {
        String job = submitted();
        APIGatewayV2HTTPResponse got = new GetJobHandler(context).handleRequest(event("get.json", job), ctx());
        assertEquals(200, got.getStatusCode(), got.getBody());
        assertEquals(job, body(got).get("jobId").asText());
        assertEquals("user-alice", body(got).get("userId").asText());
        APIGatewayV2HTTPResponse list = new ListJobsHandler(context).handleRequest(event("list.json", null), ctx());
        assertEquals(200, list.getStatusCode(), list.getBody());
        assertTrue(body(list).get("jobs").size() >= 1);
    }

    @Test
    void cancelAnswers202() throws Exception {
        sim.faults().holdQueue(true);
        try {
            String job = submitted();
            APIGatewayV2HTTPResponse r = new CancelJobHandler(context).handleRequest(event("cancel.json", job), ctx());
            assertEquals(202, r.getStatusCode(), r.getBody());
            assertEquals("canceled", body(r).get("status").asText());
        } finally {
            sim.faults().holdQueue(false);
        }
    }

    @Test
    void webhookEventsMoveTheJob() throws Exception {
        sim.faults().holdQueue(true);
        String job;
        try {
            job = submitted();
            for (String file : new String[] {"webhook-batch.json", "webhook-progress.json"}) {
                APIGatewayV2HTTPResponse r = new ComfyWebhookHandler(context).handleRequest(signedNow(file, job), ctx());
                assertEquals(204, r.getStatusCode(), r.getBody());
            }
            JsonNode running = body(new GetJobHandler(context).handleRequest(event("get.json", job), ctx()));
            assertEquals("running", running.get("status").asText());
            assertTrue(running.get("progress").asDouble() > 0);
            APIGatewayV2HTTPResponse error = new ComfyWebhookHandler(context).handleRequest(signedNow("webhook-error.json", job), ctx());
            assertEquals(204, error.getStatusCode());
            JsonNode failed = body(new GetJobHandler(context).handleRequest(event("get.json", job), ctx()));
            assertEquals("failed", failed.get("status").asText());
            assertTrue(failed.get("error").get("message").asText().contains("CUDA out of memory"));
            APIGatewayV2HTTPResponse stale = new ComfyWebhookHandler(context).handleRequest(event("webhook-progress.json", job), ctx());
            assertEquals(401, stale.getStatusCode(), "the file's own timestamp is long past");
        } finally {
            sim.faults().holdQueue(false);
        }
    }

    @Test
    void aJobWithAWebhookCallsItsCallerBackSignedWithTheSecretGetWebhookSecretGives() throws Exception {
        sim.faults().holdQueue(true);
        try (CallbackReceiver receiver = CallbackReceiver.start()) {
            APIGatewayV2HTTPEvent submit = event("submit-webhook.json", null);
            submit.setBody(submit.getBody().replace("https://receiver.example.com/comfyjobs/callbacks", receiver.url()));
            APIGatewayV2HTTPResponse r = new SubmitJobHandler(context).handleRequest(submit, ctx());
            assertEquals(202, r.getStatusCode(), r.getBody());
            String job = body(r).get("jobId").asText();
            JsonNode stored = body(new GetJobHandler(context).handleRequest(event("get.json", job), ctx()));
            assertEquals(receiver.url(), stored.get("webhook").get("url").asText());
            APIGatewayV2HTTPResponse got = new GetWebhookSecretHandler(context).handleRequest(event("webhook-secret-get.json", null), ctx());
            assertEquals(200, got.getStatusCode(), got.getBody());
            assertEquals("no-store", got.getHeaders().get("Cache-Control"));
            String secret = body(got).get("secret").asText();
            assertTrue(secret.startsWith("whsec_"), secret);

            assertEquals(204, new ComfyWebhookHandler(context).handleRequest(signedNow("webhook-error.json", job), ctx()).getStatusCode());
            CallbackReceiver.Delivery d = receiver.of(job).get(receiver.of(job).size() - 1);
            assertEquals("job.failed", d.type());
            assertTrue(d.verifies(secret), "verified with the caller's secret, as a receiver would");

            APIGatewayV2HTTPResponse rotated = new RotateWebhookSecretHandler(context).handleRequest(event("webhook-secret-rotate.json", null),
                    ctx());
            assertEquals(200, rotated.getStatusCode(), rotated.getBody());
            assertTrue(!body(rotated).get("secret").asText().equals(secret) && body(rotated).has("previousSecretValidUntil"), rotated.getBody());
            Map<String, Object> drained = new DeliverCallbacksHandler(context).handleRequest(
                    JSON.readValue(Files.readString(events.resolve("deliver-callbacks.json")), Map.class), ctx());
            assertTrue(drained.containsKey("passes"), drained.toString());
        } finally {
            sim.faults().holdQueue(false);
        }
    }

    @Test
    void theSuccessWebhookFinalizesIntoS3() throws Exception {
        String job = submitted();
        sim.awaitIdle(Duration.ofSeconds(20));
        APIGatewayV2HTTPResponse r = new ComfyWebhookHandler(context).handleRequest(signedNow("webhook-success.json", job), ctx());
        assertEquals(204, r.getStatusCode(), r.getBody());
        JsonNode done = body(new GetJobHandler(context).handleRequest(event("get.json", job), ctx()));
        assertEquals("succeeded", done.get("status").asText(), done.toString());
        assertEquals(1, done.get("artifacts").size());
        assertTrue(done.get("artifacts").get(0).get("url").asText().startsWith(s3.endpoint().toString()));
    }

    /** Publishes the events' template (an admin's PUT); 201 the first time, 200 once it is the latest version. */
    private static void published() throws Exception {
        APIGatewayV2HTTPResponse put = new PublishTemplateHandler(context).handleRequest(event("template-publish.json", null), ctx());
        assertTrue(put.getStatusCode() == 201 || put.getStatusCode() == 200, put.getStatusCode() + " " + put.getBody());
    }

    @Test
    void anAdminPublishesTheTemplateAndCallersReadIt() throws Exception {
        published();
        APIGatewayV2HTTPResponse again = new PublishTemplateHandler(context).handleRequest(event("template-publish.json", null), ctx());
        assertEquals(200, again.getStatusCode(), again.getBody());
        APIGatewayV2HTTPResponse got = new GetTemplateHandler(context).handleRequest(event("template-get.json", null), ctx());
        assertEquals(200, got.getStatusCode(), got.getBody());
        assertEquals("txt2img", body(got).get("name").asText());
        assertEquals(body(again).get("version"), body(got).get("version"));
        APIGatewayV2HTTPResponse list = new ListTemplatesHandler(context).handleRequest(event("templates-list.json", null), ctx());
        assertEquals(200, list.getStatusCode(), list.getBody());
        assertTrue(body(list).get("templates").findValuesAsText("name").contains("txt2img"));
    }

    @Test
    void theTemplateSubmitMakesATemplateJob() throws Exception {
        published();
        APIGatewayV2HTTPResponse r = new SubmitJobHandler(context).handleRequest(event("submit-template.json", null), ctx());
        assertEquals(202, r.getStatusCode(), r.getBody());
        JsonNode job = body(new GetJobHandler(context).handleRequest(event("get.json", body(r).get("jobId").asText()), ctx()));
        assertEquals("txt2img", job.get("template").asText());
        assertEquals("image_generation", job.get("type").asText());
        assertTrue(job.get("seed").isIntegralNumber(), job.toString());
    }

    @Test
    void retiringTakesTheTemplateAwayUntilItIsPublishedAgain() throws Exception {
        published();
        APIGatewayV2HTTPResponse r = new RetireTemplateHandler(context).handleRequest(event("template-retire.json", null), ctx());
        assertEquals(204, r.getStatusCode(), r.getBody());
        assertEquals(404, new GetTemplateHandler(context).handleRequest(event("template-get.json", null), ctx()).getStatusCode());
        assertEquals(400, new SubmitJobHandler(context).handleRequest(event("submit-template.json", null), ctx()).getStatusCode());
        APIGatewayV2HTTPResponse again = new PublishTemplateHandler(context).handleRequest(event("template-publish.json", null), ctx());
        assertEquals(201, again.getStatusCode(), again.getBody());
    }

    @Test
    void deletingTheArtifactsOfASucceededJobEmptiesItsListAndItsFolder() throws Exception {
        String job = submitted();
        sim.awaitIdle(Duration.ofSeconds(20));
        new ComfyWebhookHandler(context).handleRequest(signedNow("webhook-success.json", job), ctx());
        String key = body(new GetJobHandler(context).handleRequest(event("get.json", job), ctx())).get("artifacts").get(0).get("key").asText();

        APIGatewayV2HTTPResponse r = new DeleteArtifactsHandler(context).handleRequest(event("delete-artifacts.json", job), ctx());

        assertEquals(204, r.getStatusCode(), r.getBody());
        JsonNode after = body(new GetJobHandler(context).handleRequest(event("get.json", job), ctx()));
        assertTrue(after.get("artifactsDeleted").asBoolean(), after.toString());
        assertEquals(0, after.get("artifacts").size());
        try (S3Client c = s3Client()) {
            assertTrue(c.listObjectsV2(b -> b.bucket("events-bucket").prefix(key)).contents().isEmpty(), key);
        }
    }

    @Test
    void theWebSocketAuthorizerAllowsAVerifiedCallerAndDeniesAnyOtherToken() throws Exception {
        APIGatewayCustomAuthorizerEvent e = event("ws-authorize.json", null, APIGatewayCustomAuthorizerEvent.class);
        IamPolicyResponseV1 denied = new WebSocketAuthorizerHandler(context).handleRequest(e, ctx());
        assertEquals("Deny", effect(denied), "the file's token carries no valid signature");
        e.getQueryStringParameters().put("token", freshToken());
        IamPolicyResponseV1 allowed = new WebSocketAuthorizerHandler(context).handleRequest(e, ctx());
        assertEquals("Allow", effect(allowed));
        assertEquals("user-alice", allowed.getPrincipalId());
        assertEquals("user-alice", allowed.getContext().get("userId"));
        String policy = JSON.writeValueAsString(allowed.getPolicyDocument());
        assertTrue(policy.contains(e.getMethodArn()), policy);
    }

    /** The policy document as the runtime serializes it: Statement is a list of maps. */
    private static String effect(IamPolicyResponseV1 r) {
        Object statements = r.getPolicyDocument().get("Statement");
        Object first = statements instanceof Object[] a ? a[0] : ((java.util.List<?>) statements).get(0);
        return (String) ((Map<?, ?>) first).get("Effect");
    }

    @Test
    void aWebSocketConnectionSubscribesToItsCallersJobAndDisconnects() throws Exception {
        String job = submitted();
        APIGatewayV2WebSocketResponse connected = new WebSocketConnectHandler(context)
                .handleRequest(event("ws-connect.json", null, APIGatewayV2WebSocketEvent.class), ctx());
        assertEquals(200, connected.getStatusCode());
        APIGatewayV2WebSocketResponse subscribed = new WebSocketSubscriptionsHandler(context)
                .handleRequest(event("ws-subscribe.json", job, APIGatewayV2WebSocketEvent.class), ctx());
        assertEquals(200, subscribed.getStatusCode());
        assertEquals("subscribed", JSON.readTree(subscribed.getBody()).path("type").asText(), subscribed.getBody());
        APIGatewayV2WebSocketResponse foreign = new WebSocketSubscriptionsHandler(context)
                .handleRequest(event("ws-subscribe.json", null, APIGatewayV2WebSocketEvent.class), ctx());
        assertEquals(404, JSON.readTree(foreign.getBody()).path("status").asInt(), "the file's own job is no job of this Redis");
        APIGatewayV2WebSocketResponse gone = new WebSocketDisconnectHandler(context)
                .handleRequest(event("ws-disconnect.json", null, APIGatewayV2WebSocketEvent.class), ctx());
        assertEquals(200, gone.getStatusCode());
        APIGatewayV2WebSocketResponse after = new WebSocketSubscriptionsHandler(context)
                .handleRequest(event("ws-subscribe.json", job, APIGatewayV2WebSocketEvent.class), ctx());
        assertEquals(410, JSON.readTree(after.getBody()).path("status").asInt(), after.getBody());
    }

    @Test
    void bothRecoveryInputsAnswerWithASummary() throws Exception {
        for (String file : new String[] {"recovery.json", "recovery-cleanup.json"}) {
            @SuppressWarnings("unchecked")
            Map<String, Object> input = JSON.readValue(events.resolve(file).toFile(), Map.class);
            Map<String, Object> summary = new RecoveryHandler(context).handleRequest(input, ctx());
            assertTrue(summary.containsKey("scanned"), file + ": " + summary);
            assertEquals(false, summary.get("stoppedEarly"), file);
        }
    }

    @Test
    void theMigrateInputMovesDataToTheCurrentLayout() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> input = JSON.readValue(events.resolve("recovery-migrate.json").toFile(), Map.class);
        Map<String, Object> result = new RecoveryHandler(context).handleRequest(input, ctx());
        assertEquals(true, result.get("complete"), result.toString());
    }
}
