package com.comfyjobs.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponseV1;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.micronaut.function.aws.MicronautRequestHandler;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * template.yaml, docs/openapi.yaml and the code must agree: every handler exists with the right event
 * types, every route reaches one, the two documents name the same routes, and every environment
 * variable the code reads is set in the template (except the few the Lambda runtime sets or only
 * local runs use).
 */
class TemplateConsistencyTest {
    /** Read by the code but deliberately not set in the template, with the reason. */
    private static final Map<String, String> NOT_IN_TEMPLATE = Map.ofEntries(
            Map.entry("AWS_REGION", "set by the Lambda runtime"),
            Map.entry("AWS_LAMBDA_FUNCTION_NAME", "set by the Lambda runtime"),
            Map.entry("COMFYUI_HEADER", "local runs; in AWS the header comes from COMFYUI_HEADER_SECRET_ARN"),
            Map.entry("POSTHOG_API_KEY", "local runs; in AWS the key comes from POSTHOG_API_KEY_SECRET_ARN"),
            Map.entry("SECRETS_MANAGER_ENDPOINT", "tests against moto"),
            Map.entry("REDIS_HOST", "local and one-box runs; in AWS Redis is REDIS_URL or the secret REDIS_URL_SECRET_ARN"),
            Map.entry("REDIS_PORT", "with REDIS_HOST"),
            Map.entry("REDIS_USERNAME", "with REDIS_HOST"),
            Map.entry("REDIS_PASSWORD", "with REDIS_HOST"),
            Map.entry("REDIS_TLS", "with REDIS_HOST"),
            Map.entry("REDIS_TLS_CA_FILE", "a self-hosted Redis with a private CA; ElastiCache's and Upstash's certificates chain to the JVM's trust store"));
    private static final Pattern ENV_READ = Pattern.compile(
            "env\\.(?:string|required|integer|bool|millis|seconds|isoDuration|uri|uris|raw)\\(\"([A-Z0-9_]+)\"");
    /** The variable naming a secret, and the plain one it falls back to in local runs. */
    private static final Pattern SECRET_READ = Pattern.compile(
            "secrets\\.(?:secret|optional|required)\\(\"([A-Z0-9_]+)\"(?:,\\s*\"([A-Z0-9_]+)\")?");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static Path root;
    private static JsonNode template;

    @BeforeAll
    static void load() throws IOException {
        root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("template.yaml"))) {
            root = root.getParent();
        }
        template = YAML.readTree(root.resolve("template.yaml").toFile());
    }

    private static Map<String, JsonNode> functions() {
        Map<String, JsonNode> out = new java.util.TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = template.get("Resources").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> r = it.next();
            if ("AWS::Serverless::Function".equals(r.getValue().path("Type").asText())) {
                out.put(r.getKey(), r.getValue());
            }
        }
        return out;
    }

    /** What the WebSocket API invokes: route key (or "authorizer") to function, through its integration. */
    private static Map<String, String> webSocketTargets() {
        Map<String, String> out = new java.util.TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = template.get("Resources").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> r = it.next();
            JsonNode p = r.getValue().path("Properties");
            switch (r.getValue().path("Type").asText()) {
                case "AWS::ApiGatewayV2::Route" -> {
                    Matcher target = Pattern.compile("integrations/\\$\\{(\\w+)}").matcher(p.path("Target").asText());
                    assertTrue(target.matches(), r.getKey() + " targets an integration of the template");
                    JsonNode integration = template.path("Resources").path(target.group(1));
                    assertEquals("AWS_PROXY", integration.path("Properties").path("IntegrationType").asText(), target.group(1));
                    assertTrue(out.put(p.path("RouteKey").asText(), invoked(integration.path("Properties").path("IntegrationUri").asText())) == null,
                            "route defined twice: " + p.path("RouteKey").asText());
                }
                case "AWS::ApiGatewayV2::Authorizer" -> out.put("authorizer", invoked(p.path("AuthorizerUri").asText()));
                default -> {
                }
            }
        }
        return out;
    }

    /** The function an integration or authorizer URI invokes: its alias, which SnapStart serves. */
    private static String invoked(String uri) {
        Matcher m = Pattern.compile(".*/functions/\\$\\{(\\w+)\\.Alias}/invocations").matcher(uri);
        assertTrue(m.matches(), "invokes a function's alias: " + uri);
        return m.group(1);
    }

    @Test
    void theWebSocketApiRoutesEachMessageToItsHandlerBehindTheJwtAuthorizer() {
        JsonNode api = template.path("Resources").path("WebSocketApi").path("Properties");
        assertEquals("WEBSOCKET", api.path("ProtocolType").asText());
        assertEquals("$request.body.action", api.path("RouteSelectionExpression").asText());
        assertEquals(Map.of("$connect", "WebSocketConnectFunction", "$disconnect", "WebSocketDisconnectFunction",
                "$default", "WebSocketSubscriptionsFunction", "authorizer", "WebSocketAuthorizerFunction"), webSocketTargets());
        JsonNode connect = template.path("Resources").path("WebSocketConnectRoute").path("Properties");
        assertEquals("CUSTOM", connect.path("AuthorizationType").asText());
        assertEquals("WebSocketJwtAuthorizer", connect.path("AuthorizerId").asText());
        JsonNode authorizer = template.path("Resources").path("WebSocketJwtAuthorizer").path("Properties");
        assertEquals("REQUEST", authorizer.path("AuthorizerType").asText());
        assertEquals("route.request.querystring.token", authorizer.path("IdentitySource").get(0).asText());
        JsonNode env = template.path("Resources").path("WebSocketAuthorizerFunction").path("Properties").path("Environment").path("Variables");
        assertEquals("JwtIssuer", env.path("JWT_ISSUER").asText(), "the same issuer as the HTTP API's authorizer");
        assertEquals("JwtAudience", env.path("JWT_AUDIENCE").get(1).asText(), "and the same audiences");
        assertEquals("$default", template.path("Resources").path("WebSocketDefaultRouteResponse").path("Properties")
                .path("RouteResponseKey").asText(), "the answer to a message goes back on its connection");
        for (String function : webSocketTargets().values()) {
            assertTrue(template.path("Resources").has(function.replace("Function", "Permission")), function + " may be invoked by API Gateway");
        }
    }

    @Test
    void everyHandlerExistsWithTheEventTypesOfItsTrigger() throws Exception {
        assertEquals(20, functions().size());
        Map<String, String> webSocket = webSocketTargets();
        for (Map.Entry<String, JsonNode> f : functions().entrySet()) {
            String handler = f.getValue().path("Properties").path("Handler").asText();
            Class<?> type = Class.forName(handler);
            assertTrue(MicronautRequestHandler.class.isAssignableFrom(type), handler + " is a MicronautRequestHandler");
            Type[] io = handlerEventTypes(type);
            Set<String> triggers = new HashSet<>();
            f.getValue().path("Properties").path("Events").forEach(e -> triggers.add(e.path("Type").asText()));
            if (webSocket.containsValue(f.getKey())) {
                assertEquals(Set.of(), triggers, f.getKey() + " is invoked by the WebSocket API only");
                boolean authorizer = f.getKey().equals(webSocket.get("authorizer"));
                assertEquals(authorizer ? APIGatewayCustomAuthorizerEvent.class : APIGatewayV2WebSocketEvent.class, io[0], handler);
                assertEquals(authorizer ? IamPolicyResponseV1.class : APIGatewayV2WebSocketResponse.class, io[1], handler);
                continue;
            }
            assertEquals(1, triggers.size(), f.getKey() + " has one kind of trigger");
            if (triggers.contains("HttpApi")) {
                assertEquals(APIGatewayV2HTTPEvent.class, io[0], handler);
                assertEquals(APIGatewayV2HTTPResponse.class, io[1], handler);
            } else {
                assertEquals("ScheduleV2", triggers.iterator().next());
                assertTrue(io[0].getTypeName().startsWith("java.util.Map"), handler + " takes the schedule's JSON input");
            }
        }
    }

    /**
     * The event types MicronautRequestHandler is bound to, with type variables of intermediate generic
     * base classes resolved the way the Lambda runtime resolves them to pick a deserializer.
     */
    private static Type[] handlerEventTypes(Class<?> type) {
        Map<TypeVariable<?>, Type> bound = new HashMap<>();
        Class<?> c = type;
        while (true) {
            ParameterizedType superType = (ParameterizedType) genericSuperclassOf(c);
            Type[] args = superType.getActualTypeArguments().clone();
            for (int i = 0; i < args.length; i++) {
                if (args[i] instanceof TypeVariable<?> v && bound.containsKey(v)) {
                    args[i] = bound.get(v);
                }
            }
            Class<?> raw = (Class<?>) superType.getRawType();
            if (raw == MicronautRequestHandler.class) {
                return args;
            }
            TypeVariable<?>[] params = raw.getTypeParameters();
            for (int i = 0; i < params.length; i++) {
                bound.put(params[i], args[i]);
            }
            c = raw;
        }
    }

    private static Type genericSuperclassOf(Class<?> c) {
        Type t = c.getGenericSuperclass();
        while (!(t instanceof ParameterizedType)) {
            c = c.getSuperclass();
            t = c.getGenericSuperclass();
        }
        return t;
    }

    @Test
    void everyRouteReachesAHandlerAndMatchesTheOpenApiDocument() throws IOException {
        Set<String> routes = new TreeSet<>();
        for (JsonNode f : functions().values()) {
            f.path("Properties").path("Events").forEach(e -> {
                if ("HttpApi".equals(e.path("Type").asText())) {
                    String route = e.path("Properties").path("Method").asText().toUpperCase(Locale.ROOT) + " "
                            + e.path("Properties").path("Path").asText();
                    assertTrue(routes.add(route), "route defined twice: " + route);
                }
            });
        }
        JsonNode openapi = YAML.readTree(root.resolve("docs/openapi.yaml").toFile());
        Set<String> documented = new TreeSet<>();
        openapi.get("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m -> {
            if (Set.of("get", "post", "put", "delete", "patch").contains(m)) {
                documented.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey());
            }
        }));
        assertEquals(documented, routes);
        assertEquals(Set.of("GET /jobs", "POST /jobs", "GET /jobs/{jobId}", "DELETE /jobs/{jobId}", "DELETE /jobs/{jobId}/artifacts",
                "POST /uploads", "POST /webhooks/comfyui", "GET /templates", "GET /templates/{name}", "PUT /templates/{name}",
                "DELETE /templates/{name}", "GET /webhook-secret", "POST /webhook-secret", "GET /usage"),
                routes);
    }

    @Test
    void onlyTheWebhookRouteGoesWithoutTheJwtAuthorizer() {
        for (JsonNode f : functions().values()) {
            f.path("Properties").path("Events").forEach(e -> {
                boolean open = "NONE".equals(e.path("Properties").path("Auth").path("Authorizer").asText());
                assertEquals("/webhooks/comfyui".equals(e.path("Properties").path("Path").asText()), open,
                        e.path("Properties").path("Path").asText());
            });
        }
        assertEquals("JwtAuthorizer", template.path("Resources").path("Api").path("Properties").path("Auth")
                .path("DefaultAuthorizer").asText());
    }

    @Test
    void everyEnvironmentVariableTheCodeReadsIsSetInTheTemplate() throws IOException {
        Set<String> read = new TreeSet<>();
        for (String module : new String[] {"shared/src/main/java", "functions/src/main/java"}) {
            try (Stream<Path> files = Files.walk(root.resolve(module))) {
                for (Path p : files.filter(x -> x.toString().endsWith(".java")).toList()) {
                    String code = Files.readString(p);
                    Matcher m = ENV_READ.matcher(code);
                    while (m.find()) {
                        read.add(m.group(1));
                    }
                    Matcher secret = SECRET_READ.matcher(code);
                    while (secret.find()) {
                        read.add(secret.group(1));
                        if (secret.group(2) != null) {
                            read.add(secret.group(2));
                        }
                    }
                }
            }
        }
        Set<String> set = new TreeSet<>();
        template.path("Globals").path("Function").path("Environment").path("Variables").fieldNames().forEachRemaining(set::add);
        for (JsonNode f : functions().values()) {
            f.path("Properties").path("Environment").path("Variables").fieldNames().forEachRemaining(set::add);
        }
        Set<String> missing = new TreeSet<>(read);
        missing.removeAll(set);
        missing.removeAll(NOT_IN_TEMPLATE.keySet());
        assertEquals(Set.of(), missing, "read by the code but not set in template.yaml");
        Set<String> unused = new TreeSet<>(set);
        unused.removeAll(read);
        unused.remove("JAVA_TOOL_OPTIONS");
        assertEquals(Set.of(), unused, "set in template.yaml but read by no code");
        assertFalse(read.isEmpty());
    }
}
