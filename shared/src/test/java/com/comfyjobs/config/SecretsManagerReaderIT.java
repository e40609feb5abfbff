package com.comfyjobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.testing.MotoServer;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * GetSecretValue as the functions make it at start: against moto_server's Secrets Manager where it is
 * installed, and against a stand-in that records the request and answers what Secrets Manager answers
 * when things go wrong.
 */
class SecretsManagerReaderIT {
    private static final StaticCredentialsProvider KEYS = StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret"));

    @Test
    void readsASecretFromMoto() throws Exception {
        Assumptions.assumeTrue(MotoServer.isInstalled(), "moto_server is not on PATH");
        try (MotoServer moto = MotoServer.start()) {
            HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(moto.endpoint())
                    .header("Content-Type", "application/x-amz-json-1.1").header("X-Amz-Target", "secretsmanager.CreateSecret")
                    .header("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/secretsmanager/aws4_request")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"Name\":\"comfyjobs/redis\",\"SecretString\":\"rediss://u:p@cache:6379\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, created.statusCode(), created.body());
            SecretsManagerReader reader = new SecretsManagerReader(moto.endpoint(), "us-east-1", KEYS);
            assertEquals("rediss://u:p@cache:6379", reader.read("comfyjobs/redis", "REDIS_URL_SECRET_ARN"));
            ConfigException missing = assertThrows(ConfigException.class, () -> reader.read("comfyjobs/none", "REDIS_URL_SECRET_ARN"));
            assertTrue(missing.getMessage().startsWith("REDIS_URL_SECRET_ARN: "), missing.getMessage());
        }
    }

    @Test
    void signsTheCallAndNamesTheVariableWhenItFails() throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        Map<String, String> answer = new ConcurrentHashMap<>(Map.of("status", "200", "body", "{\"Name\":\"s\",\"SecretString\":\"whsec_abc\"}"));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        server.createContext("/", x -> {
            seen.put("target", String.valueOf(x.getRequestHeaders().getFirst("X-Amz-Target")));
            seen.put("authorization", String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
            seen.put("date", String.valueOf(x.getRequestHeaders().getFirst("X-Amz-Date")));
            seen.put("body", new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] out = answer.get("body").getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(Integer.parseInt(answer.get("status")), out.length);
            x.getResponseBody().write(out);
            x.close();
        });
        server.start();
        try {
            URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
            SecretsManagerReader reader = new SecretsManagerReader(endpoint, "eu-west-1", KEYS);
            assertEquals("whsec_abc", reader.read("arn:aws:secretsmanager:eu-west-1:1:secret:s", "WEBHOOK_SECRET_ARN"));
            assertEquals("secretsmanager.GetSecretValue", seen.get("target"));
            assertEquals("{\"SecretId\":\"arn:aws:secretsmanager:eu-west-1:1:secret:s\"}", seen.get("body"));
            String auth = seen.get("authorization");
            assertTrue(auth.startsWith("AWS4-HMAC-SHA256 Credential=AKIDTEST/"), auth);
            assertTrue(auth.contains("/eu-west-1/secretsmanager/aws4_request"), auth);
            assertTrue(auth.contains("x-amz-target") && auth.contains("Signature="), auth);
            assertFalse("null".equals(seen.get("date")));

            answer.putAll(Map.of("status", "400", "body", "{\"__type\":\"AccessDeniedException\",\"Message\":\"not allowed\"}"));
            ConfigException denied = assertThrows(ConfigException.class, () -> reader.read("s", "WEBHOOK_SECRET_ARN"));
            assertEquals("WEBHOOK_SECRET_ARN: Secrets Manager answered HTTP 400 for the secret it names", denied.getMessage());

            answer.putAll(Map.of("status", "200", "body", "{\"Name\":\"s\",\"SecretBinary\":\"AAAA\"}"));
            ConfigException binary = assertThrows(ConfigException.class, () -> reader.read("s", "WEBHOOK_SECRET_ARN"));
            assertEquals("WEBHOOK_SECRET_ARN: the secret it names has no SecretString", binary.getMessage());
        } finally {
            server.stop(0);
        }
        SecretsManagerReader nowhere = new SecretsManagerReader(URI.create("http://127.0.0.1:9/"), "eu-west-1", KEYS);
        ConfigException down = assertThrows(ConfigException.class, () -> nowhere.read("s", "WEBHOOK_SECRET_ARN"));
        assertTrue(down.getMessage().startsWith("WEBHOOK_SECRET_ARN: Secrets Manager could not be reached"), down.getMessage());
    }
}
