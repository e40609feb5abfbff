package com.comfyjobs.functions.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.config.Env;
import com.comfyjobs.functions.ComfyWebhookHandler;
import com.comfyjobs.job.memory.InMemoryJobStore;
import com.comfyjobs.secrets.Secrets;
import com.comfyjobs.servers.LocalLambdaContext;
import com.comfyjobs.testing.FakeSecretsManager;
import com.comfyjobs.testing.ServiceHarness.MovableClock;
import com.standardwebhooks.Webhook;
import io.micronaut.context.ApplicationContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The webhook function as a warm container lives it, with its secret in Secrets Manager: a rotated
 * secret refuses deliveries signed with the old one once SECRETS_TTL_SECONDS has passed (or at once in
 * a copy restored from a SnapStart snapshot), without a new version; an outage of Secrets Manager keeps
 * the secret read before, and with none read before answers 503.
 */
class WebhookSecretRotationTest {
    private static final String ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:comfyjobs-webhook-AbCdEf";
    private static final String OLD = secret("old-webhook-secret-0123456789");
    private static final String NEW = secret("new-webhook-secret-0123456789");
    private static final Duration TTL = Duration.ofSeconds(300);

    private final MovableClock clock = new MovableClock();
    private FakeSecretsManager sm;
    private Secrets secrets;
    private ApplicationContext context;

    private static String secret(String bytes) {
        return "whsec_" + Base64.getEncoder().encodeToString(bytes.getBytes(StandardCharsets.UTF_8));
    }

    @BeforeEach
    void start() {
        sm = FakeSecretsManager.start();
        sm.put(ARN, OLD);
        Env env = new Env(Map.of("WEBHOOK_SECRET_ARN", ARN, "SECRETS_TTL_SECONDS", Long.toString(TTL.toSeconds()),
                "METRICS_ENABLED", "false", "ARTIFACT_BUCKET", "rotation-bucket", "S3_ENDPOINT", "http://127.0.0.1:9",
                "AWS_REGION", FakeSecretsManager.REGION, "CALLBACK_SECRETS_KEY", "rotation-test-callback-secrets-key-0123456789"));
        secrets = new Secrets(env, clock, sm::reader);
        context = ApplicationContext.builder().singletons(env, clock, secrets, new InMemoryJobStore()).start();
    }

    @AfterEach
    void stop() {
        context.close();
        sm.close();
    }

    /** A delivery about a prompt that is not ours: signed right, it is answered 204 and changes nothing. */
    private static APIGatewayV2HTTPEvent delivery(String secret) {
        String body = "{\"event\":\"comfy.execution_start\",\"data\":{\"type\":\"execution_start\",\"data\":{\"prompt_id\":\"not-ours\"}}}";
        String id = "msg_" + UUID.randomUUID();
        long ts = Instant.now().getEpochSecond();
        String signature;
        try {
            signature = new Webhook(secret).sign(id, ts, body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return APIGatewayV2HTTPEvent.builder().withVersion("2.0").withRouteKey("POST /webhooks/comfyui").withRawPath("/webhooks/comfyui")
                .withHeaders(Map.of("content-type", "application/json", "webhook-id", id, "webhook-timestamp", Long.toString(ts),
                        "webhook-signature", signature))
                .withBody(body).withIsBase64Encoded(false)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("r-" + id).build())
                .build();
    }

    private APIGatewayV2HTTPResponse deliver(ComfyWebhookHandler handler, String secret) {
        return handler.handleRequest(delivery(secret), new LocalLambdaContext("ComfyWebhookFunction", Duration.ofSeconds(29), 1024));
    }

    @Test
    void aRotatedSecretRefusesTheOldOneOnceTheTtlHasPassed() {
        ComfyWebhookHandler handler = new ComfyWebhookHandler(context);
        assertEquals(204, deliver(handler, OLD).getStatusCode());
        sm.put(ARN, NEW);
        clock.advance(TTL.minusSeconds(1));
        assertEquals(204, deliver(handler, OLD).getStatusCode(), "within the TTL the secret read before still verifies");
        clock.advance(Duration.ofSeconds(1));
        assertEquals(401, deliver(handler, OLD).getStatusCode());
        assertEquals(204, deliver(handler, NEW).getStatusCode());
        assertEquals(2, sm.reads(ARN));
    }

    @Test
    void aCopyRestoredFromASnapshotReadsTheSecretAgainAtOnce() {
        ComfyWebhookHandler handler = new ComfyWebhookHandler(context);
        assertEquals(204, deliver(handler, OLD).getStatusCode());
        sm.put(ARN, NEW);
        new SnapStartHooks(secrets).afterRestore(null);
        assertEquals(401, deliver(handler, OLD).getStatusCode());
        assertEquals(204, deliver(handler, NEW).getStatusCode());
    }

    @Test
    void anOutageKeepsTheSecretReadBeforePastItsTtl() {
        ComfyWebhookHandler handler = new ComfyWebhookHandler(context);
        sm.outage(true);
        clock.advance(TTL.multipliedBy(3));
        assertEquals(204, deliver(handler, OLD).getStatusCode());
        assertEquals(401, deliver(handler, NEW).getStatusCode());
    }

    @Test
    void anOutageWithNothingReadBeforeAnswers503AndShowsNoSecret() {
        ComfyWebhookHandler handler = new ComfyWebhookHandler(context);
        sm.outage(true);
        new SnapStartHooks(secrets).afterRestore(null);
        APIGatewayV2HTTPResponse r = deliver(handler, OLD);
        assertEquals(503, r.getStatusCode());
        assertEquals("5", r.getHeaders().get("Retry-After"));
        assertFalse(r.getBody().contains(ARN) || r.getBody().contains("WEBHOOK_SECRET_ARN") || r.getBody().contains(OLD), r.getBody());
        sm.outage(false);
        assertEquals(204, deliver(handler, OLD).getStatusCode());
    }

    @Test
    void aSecretThatCannotBeReadAtInitStopsTheFunctionNamingTheVariable() {
        sm.remove(ARN);
        RuntimeException e = assertThrows(RuntimeException.class, () -> new ComfyWebhookHandler(context));
        StringBuilder causes = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            causes.append(t.getMessage()).append('\n');
        }
        assertTrue(causes.toString().contains("WEBHOOK_SECRET_ARN: the secret it names does not exist"), causes.toString());
    }
}
