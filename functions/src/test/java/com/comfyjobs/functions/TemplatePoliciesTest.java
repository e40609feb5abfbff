package com.comfyjobs.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.comfyjobs.config.Env;
import com.comfyjobs.secrets.Secrets;
import com.comfyjobs.testing.FakeSecretsManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.micronaut.context.ApplicationContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Least privilege per function, read from template.yaml: the S3 actions on which prefixes of the
 * artifact bucket, and the secrets, each function may use are held to {@link #ALLOWED}, which names
 * every function. A broader policy fails the build: a wildcard action, a {@code *}, bucket-wide or
 * whole-bucket resource, s3:ListBucket without an {@code s3:prefix} condition (it would list the whole
 * bucket), a SAM policy template
 * or managed policy whose actions this test cannot see, or a function missing from the table. A
 * function added later gets a row with exactly what its code needs.
 *
 * <p>The secrets are also checked against the code: each handler, built as Lambda builds it at init
 * with the secret ARNs template.yaml gives its function, reads only secrets its policy grants, and is
 * granted none it does not read (except the PostHog key, read at the first analytics event; the table
 * gives it to the functions that send one).
 */
class TemplatePoliciesTest {
    private static final String GET_SECRET = "secretsmanager:GetSecretValue ";
    private static final String REDIS_URL = GET_SECRET + "RedisUrlSecretArn";
    private static final String WEBHOOK_SECRET = GET_SECRET + "WebhookSecret";
    private static final String COMFYUI_HEADER = GET_SECRET + "ComfyUiHeaderSecret";
    private static final String POSTHOG_KEY = GET_SECRET + "PostHogApiKeySecret";
    private static final String CALLBACK_SECRETS_KEY = GET_SECRET + "CallbackSecretsKey";
    /** Presigning a download signs a GetObject: the signer needs the permission, S3 is never called. */
    private static final String PRESIGN_ARTIFACTS = "s3:GetObject artifacts/*";
    /** Copying outputs: HeadObject (which is GetObject) to skip what is there, PutObject and multipart uploads, aborting a failed one. */
    private static final Set<String> COPY_OUTPUTS = Set.of("s3:GetObject artifacts/*", "s3:PutObject artifacts/*",
            "s3:AbortMultipartUpload artifacts/*", "s3:ListMultipartUploadParts artifacts/*");
    /** A job's own copies of its input images, which every dispatch stages on its server. */
    private static final String READ_INPUT_IMAGES = "s3:GetObject inputs/*";
    /** Live progress: POST /@connections/{id} on the WebSocket API's stage, and no other Management API call or API. */
    private static final String PUSH = "execute-api:ManageConnections arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
            + "${WebSocketApi}/${WebSocketStage}/POST/@connections/*";

    /** Every function and exactly what it may do; S3 resources are prefixes of the artifact bucket, secrets logical ids. */
    static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            // takes the caller's upload into the job's own copy, then dispatches
            // pushes the end of a job ComfyUI refuses at once to whoever listens to all of its user's jobs
            Map.entry("SubmitJobFunction", Set.of("s3:GetObject uploads/*", "s3:PutObject inputs/*", READ_INPUT_IMAGES, REDIS_URL,
                    COMFYUI_HEADER, POSTHOG_KEY, PUSH)),
            // presigns the caller's PUT of one upload
            Map.entry("CreateUploadFunction", Set.of("s3:PutObject uploads/*")),
            // the ComfyUI header only while Redis is down, when GET answers from ComfyUI
            Map.entry("GetJobFunction", Set.of(PRESIGN_ARTIFACTS, REDIS_URL, COMFYUI_HEADER)),
            Map.entry("ListJobsFunction", Set.of(PRESIGN_ARTIFACTS, REDIS_URL)),
            Map.entry("GetUsageFunction", Set.of(REDIS_URL)),
            Map.entry("CancelJobFunction", Set.of(REDIS_URL, COMFYUI_HEADER, PUSH)),
            // copies outputs, pushes to live listeners, and signs the first try of the callbacks its transitions enqueue (the job with presigned URLs)
            Map.entry("ComfyWebhookFunction", union(COPY_OUTPUTS, Set.of(WEBHOOK_SECRET, REDIS_URL, COMFYUI_HEADER, CALLBACK_SECRETS_KEY, PUSH))),
            // sends callbacks that are due: the job with presigned URLs, signed with its caller's sealed secret
            Map.entry("DeliverCallbacksFunction", Set.of(PRESIGN_ARTIFACTS, REDIS_URL, CALLBACK_SECRETS_KEY)),
            Map.entry("GetWebhookSecretFunction", Set.of(REDIS_URL, CALLBACK_SECRETS_KEY)),
            Map.entry("RotateWebhookSecretFunction", Set.of(REDIS_URL, CALLBACK_SECRETS_KEY)),
            Map.entry("RecoveryFunction", union(COPY_OUTPUTS, Set.of(READ_INPUT_IMAGES, REDIS_URL, COMFYUI_HEADER, POSTHOG_KEY, PUSH))),
            Map.entry("ListTemplatesFunction", Set.of(REDIS_URL)),
            Map.entry("GetTemplateFunction", Set.of(REDIS_URL)),
            // a publish checks the graph against a ComfyUI server's node catalog
            Map.entry("PublishTemplateFunction", Set.of(REDIS_URL, COMFYUI_HEADER)),
            Map.entry("RetireTemplateFunction", Set.of(REDIS_URL)),
            // deletes what the job lists, and lists its own folder for the copies of attempts the job no longer names
            Map.entry("DeleteArtifactsFunction", Set.of("s3:DeleteObject artifacts/*", "s3:DeleteObject inputs/*", "s3:DeleteObject uploads/*",
                    "s3:ListBucket artifacts/*", REDIS_URL)),
            // the WebSocket API: the authorizer reads the issuer's public keys over HTTPS and touches nothing of ours
            Map.entry("WebSocketAuthorizerFunction", Set.of()),
            Map.entry("WebSocketConnectFunction", Set.of(REDIS_URL)),
            Map.entry("WebSocketDisconnectFunction", Set.of(REDIS_URL)),
            Map.entry("WebSocketSubscriptionsFunction", Set.of(REDIS_URL)));

    /** Secrets read at the first use rather than at init, so only the table can say who needs them. */
    private static final Set<String> READ_LATER = Set.of(POSTHOG_KEY);
    /** A function's own secrets read later: the ComfyUI pool is built only when a publish checks a graph or a GET meets Redis down. */
    private static final Map<String, Set<String>> READ_LATER_BY = Map.of("PublishTemplateFunction", Set.of(COMFYUI_HEADER),
            "GetJobFunction", Set.of(COMFYUI_HEADER));
    private static final Pattern LISTED_PREFIX = Pattern.compile("([a-z0-9-]+/)\\*");
    private static final Pattern BUCKET_PREFIX = Pattern.compile("\\$\\{ArtifactBucket\\.Arn}/([a-z0-9-]+/)\\*");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static JsonNode template;

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        Set<String> all = new TreeSet<>();
        for (Set<String> s : sets) {
            all.addAll(s);
        }
        return all;
    }

    @BeforeAll
    static void load() throws IOException {
        template = readTemplate();
    }

    static JsonNode readTemplate() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("template.yaml"))) {
            root = root.getParent();
        }
        return YAML.readTree(root.resolve("template.yaml").toFile());
    }

    /** The inline statements of a function's policies (those given under a condition included), as template.yaml writes them. */
    static List<JsonNode> inlineStatements(JsonNode template, String function) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode item : template.path("Resources").path(function).path("Properties").path("Policies")) {
            JsonNode policy = item.isArray() ? item.get(1) : item;
            policy.path("Statement").forEach(out::add);
        }
        return out;
    }

    private static Map<String, JsonNode> functions() {
        Map<String, JsonNode> out = new TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = template.get("Resources").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> r = it.next();
            if ("AWS::Serverless::Function".equals(r.getValue().path("Type").asText())) {
                out.put(r.getKey(), r.getValue());
            }
        }
        return out;
    }

    @Test
    void eachFunctionMayDoExactlyWhatTheTableAllows() {
        JsonNode globals = template.path("Globals").path("Function");
        assertTrue(globals.path("Policies").isMissingNode() && globals.path("Role").isMissingNode(),
                "permissions are given per function, never to all of them in Globals");
        for (Map.Entry<String, JsonNode> f : functions().entrySet()) {
            String name = f.getKey();
            assertTrue(ALLOWED.containsKey(name), name + " is not in TemplatePoliciesTest.ALLOWED: add it with exactly the S3"
                    + " actions, prefixes and secrets its code uses");
            assertTrue(f.getValue().path("Properties").path("Role").isMissingNode(), name + ": a Role of its own would bypass these checks");
            assertEquals(ALLOWED.get(name), permissions(name, f.getValue().path("Properties").path("Policies")), name);
        }
        assertEquals(ALLOWED.keySet(), functions().keySet(), "the table names functions the template does not have");
    }

    /** What a function's Policies allow, as "action resource" lines. */
    private static Set<String> permissions(String function, JsonNode policies) {
        Set<String> out = new TreeSet<>();
        for (JsonNode item : policies) {
            JsonNode policy = withoutCondition(item);
            if (policy.has("AWSSecretsManagerGetSecretValuePolicy")) {
                assertEquals(1, policy.size(), function + ": one SAM policy template per item");
                out.add(GET_SECRET + secret(function, policy.get("AWSSecretsManagerGetSecretValuePolicy").path("SecretArn").asText()));
            } else if (policy.has("Statement")) {
                policy.get("Statement").forEach(s -> out.addAll(statement(function, s)));
            } else {
                fail(function + ": only inline statements and AWSSecretsManagerGetSecretValuePolicy show what they allow; found " + policy);
            }
        }
        return out;
    }

    /** A policy given only under a condition: !If [condition, policy, !Ref AWS::NoValue]. */
    private static JsonNode withoutCondition(JsonNode item) {
        if (!item.isArray()) {
            return item;
        }
        assertEquals(3, item.size(), "!If [condition, policy, !Ref AWS::NoValue]: " + item);
        assertTrue(template.path("Conditions").has(item.get(0).asText()), "unknown condition in " + item);
        assertEquals("AWS::NoValue", item.get(2).asText(), "a conditional policy grants nothing otherwise: " + item);
        return item.get(1);
    }

    private static List<String> statement(String function, JsonNode s) {
        for (String not : new String[] {"NotAction", "NotResource", "NotPrincipal"}) {
            assertFalse(s.has(not), function + ": " + not + " grants everything it does not name");
        }
        assertEquals("Allow", s.path("Effect").asText(), function + ": " + s);
        List<String> out = new ArrayList<>();
        for (String action : texts(s.get("Action"))) {
            assertFalse(action.contains("*"), function + ": wildcard action " + action);
            for (String resource : texts(s.get("Resource"))) {
                if (action.equals("s3:ListBucket")) {
                    assertEquals("ArtifactBucket.Arn", resource, function + ": s3:ListBucket on the artifact bucket only");
                    String listed = s.path("Condition").path("StringLike").path("s3:prefix").asText();
                    Matcher prefix = LISTED_PREFIX.matcher(listed);
                    assertTrue(prefix.matches(), function + ": s3:ListBucket needs a StringLike s3:prefix condition naming one prefix, was '"
                            + listed + "'");
                    out.add(action + " " + prefix.group(1) + "*");
                } else if (action.startsWith("s3:")) {
                    Matcher prefix = BUCKET_PREFIX.matcher(resource);
                    assertTrue(prefix.matches(), function + ": " + action + " on " + resource
                            + "; S3 permissions name one prefix of the artifact bucket, never the bucket, all of it or '*'");
                    out.add(action + " " + prefix.group(1) + "*");
                } else if (action.startsWith("secretsmanager:")) {
                    out.add(action + " " + secret(function, resource));
                } else {
                    out.add(action + " " + resource);
                }
            }
        }
        return out;
    }

    /** A secret's logical id: a secret of this template or a parameter holding an ARN, never a pattern. */
    private static String secret(String function, String ref) {
        assertFalse(ref.contains("*"), function + ": secret resource " + ref);
        JsonNode resource = template.path("Resources").path(ref);
        assertTrue("AWS::SecretsManager::Secret".equals(resource.path("Type").asText()) || template.path("Parameters").has(ref),
                function + ": " + ref + " is neither a secret of the template nor a parameter");
        return ref;
    }

    private static List<String> texts(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n == null) {
            return out;
        }
        if (n.isArray()) {
            n.forEach(x -> out.add(x.asText()));
        } else {
            out.add(n.asText());
        }
        return out;
    }

    @Test
    void eachFunctionReadsOnlyTheSecretsItsPolicyGrantsAndIsGrantedNoneItDoesNotRead() throws Exception {
        for (Map.Entry<String, JsonNode> f : functions().entrySet()) {
            String name = f.getKey();
            Set<String> granted = new TreeSet<>(permissions(name, f.getValue().path("Properties").path("Policies")));
            granted.removeIf(p -> !p.startsWith(GET_SECRET));
            Set<String> read = readAtInit(f.getValue());
            Set<String> notGranted = new TreeSet<>(read);
            notGranted.removeAll(granted);
            assertEquals(Set.of(), notGranted, name + " reads secrets its policy does not grant");
            Set<String> unused = new TreeSet<>(granted);
            unused.removeAll(read);
            unused.removeAll(READ_LATER);
            unused.removeAll(READ_LATER_BY.getOrDefault(name, Set.of()));
            assertEquals(Set.of(), unused, name + " may read secrets it never reads");
        }
    }

    /** The secrets a function's handler reads while it is built, each ARN variable of its environment naming the secret's logical id. */
    private static Set<String> readAtInit(JsonNode function) throws Exception {
        Map<String, String> vars = new HashMap<>(Map.of("ARTIFACT_BUCKET", "policy-bucket", "S3_ENDPOINT", "http://127.0.0.1:9",
                "AWS_REGION", FakeSecretsManager.REGION, "METRICS_ENABLED", "false", "JWT_ISSUER", "https://issuer.example.com",
                "JWT_AUDIENCE", "policy-test"));
        for (JsonNode variables : List.of(template.path("Globals").path("Function").path("Environment").path("Variables"),
                function.path("Properties").path("Environment").path("Variables"))) {
            variables.fields().forEachRemaining(v -> {
                if (v.getKey().endsWith("_ARN")) {
                    vars.put(v.getKey(), withoutCondition(v.getValue()).asText());
                }
            });
        }
        try (FakeSecretsManager sm = FakeSecretsManager.start()) {
            sm.put("RedisUrlSecretArn", "{\"url\": \"redis://127.0.0.1:9\"}");
            sm.put("WebhookSecret", "whsec_cG9saWN5LXRlc3Qtd2ViaG9vay1zZWNyZXQ=");
            sm.put("ComfyUiHeaderSecret", "Authorization: Bearer policy-test");
            sm.put("PostHogApiKeySecret", "phc_policy_test");
            sm.put("CallbackSecretsKey", "policy-test-callback-secrets-key-0123456789abcdef");
            Env env = new Env(vars);
            try (Secrets secrets = new Secrets(env, Clock.systemUTC(), sm::reader);
                 ApplicationContext context = ApplicationContext.builder().singletons(env, secrets).start()) {
                Class.forName(function.path("Properties").path("Handler").asText()).getConstructor(ApplicationContext.class).newInstance(context);
            }
            Set<String> read = new TreeSet<>();
            sm.read().forEach(id -> read.add(GET_SECRET + id));
            return read;
        }
    }
}
