package com.comfyjobs.testing;

import com.comfyjobs.secrets.SecretsManagerReader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Secrets Manager for unit tests, in process, speaking only GetSecretValue over awsJson1.1 (moto_server
 * is the faithful one, where it is installed). The test sets, rotates, removes and forbids secrets,
 * switches an outage on and off, and counts reads. Requests must be signed GetSecretValue calls; the
 * answers, errors included, have the shape Secrets Manager gives them, so the AWS SDK's client parses
 * them as it parses the real ones.
 */
public final class FakeSecretsManager implements AutoCloseable {
    public static final String REGION = "us-east-1";
    public static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDFAKESECRETS", "fake-secret-key"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BINARY = "\u0000binary";

    private final HttpServer server;
    private final Map<String, String> values = new ConcurrentHashMap<>();
    private final Set<String> forbidden = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<String> authorizations = new CopyOnWriteArrayList<>();
    private volatile boolean down;

    private FakeSecretsManager(HttpServer server) {
        this.server = server;
    }

    public static FakeSecretsManager start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            FakeSecretsManager fake = new FakeSecretsManager(server);
            server.createContext("/", fake::answer);
            server.start();
            return fake;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** A reader signed with {@link #CREDENTIALS}, as the functions build one. */
    public SecretsManagerReader reader() {
        return SecretsManagerReader.create(endpoint(), REGION, CREDENTIALS);
    }

    /** Creates the secret or gives it a new current value (a rotation). */
    public void put(String secretId, String value) {
        values.put(secretId, value);
    }

    /** A secret that holds SecretBinary and no SecretString. */
    public void putBinary(String secretId) {
        values.put(secretId, BINARY);
    }

    public void remove(String secretId) {
        values.remove(secretId);
    }

    /** Reads of the secret are refused as for a caller without secretsmanager:GetSecretValue on it. */
    public void forbid(String secretId) {
        forbidden.add(secretId);
    }

    /** While on, every call answers 500 InternalServiceError (the SDK retries, then gives up). */
    public void outage(boolean on) {
        down = on;
    }

    /** GetSecretValue calls for this secret that were answered with its value. */
    public int reads(String secretId) {
        AtomicInteger n = reads.get(secretId);
        return n == null ? 0 : n.get();
    }

    /** Secret ids read so far. */
    public Set<String> read() {
        return Set.copyOf(reads.keySet());
    }

    /** The Authorization header of every call, in order. */
    public List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    private void answer(HttpExchange x) throws IOException {
        try (x) {
            byte[] request = x.getRequestBody().readAllBytes();
            String authorization = x.getRequestHeaders().getFirst("Authorization");
            authorizations.add(String.valueOf(authorization));
            if (down) {
                send(x, 500, error("InternalServiceError", "An error occurred on the server side."));
                return;
            }
            if (!"POST".equals(x.getRequestMethod())
                    || !"secretsmanager.GetSecretValue".equals(x.getRequestHeaders().getFirst("X-Amz-Target"))) {
                send(x, 400, error("UnknownOperationException", "this stand-in speaks only GetSecretValue"));
                return;
            }
            if (authorization == null || !authorization.startsWith("AWS4-HMAC-SHA256 Credential=AKIDFAKESECRETS/")) {
                send(x, 400, error("IncompleteSignatureException", "the request is not signed"));
                return;
            }
            JsonNode id = JSON.readTree(request).get("SecretId");
            if (id == null || !id.isTextual()) {
                send(x, 400, error("InvalidParameterException", "SecretId is required"));
                return;
            }
            String secretId = id.asText();
            if (forbidden.contains(secretId)) {
                send(x, 400, error("AccessDeniedException", "User is not authorized to perform: secretsmanager:GetSecretValue"));
                return;
            }
            String value = values.get(secretId);
            if (value == null) {
                send(x, 400, error("ResourceNotFoundException", "Secrets Manager can't find the specified secret."));
                return;
            }
            ObjectNode out = JSON.createObjectNode()
                    .put("ARN", "arn:aws:secretsmanager:" + REGION + ":123456789012:secret:" + secretId + "-AbCdEf")
                    .put("Name", secretId)
                    .put("VersionId", UUID.randomUUID().toString())
                    .put("CreatedDate", 1.7e9);
            out.putArray("VersionStages").add("AWSCURRENT");
            if (BINARY.equals(value)) {
                out.put("SecretBinary", "AAECAw==");
            } else {
                out.put("SecretString", value);
            }
            reads.computeIfAbsent(secretId, k -> new AtomicInteger()).incrementAndGet();
            send(x, 200, out.toString());
        }
    }

    private static String error(String type, String message) {
        return JSON.createObjectNode().put("__type", type).put("Message", message).toString();
    }

    private static void send(HttpExchange x, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        x.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
