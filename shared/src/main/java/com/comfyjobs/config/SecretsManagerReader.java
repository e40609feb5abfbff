package com.comfyjobs.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * Reads a secret's value with Secrets Manager's GetSecretValue, signed with SigV4 by the AWS SDK's
 * own signer. (The SDK's Secrets Manager module does not resolve on the build machines; the call is
 * one signed JSON POST, so this is all it takes.) Used once per container, at start.
 */
public final class SecretsManagerReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI endpoint;
    private final String region;
    private final AwsCredentialsProvider credentials;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public SecretsManagerReader(URI endpoint, String region, AwsCredentialsProvider credentials) {
        this.endpoint = endpoint;
        this.region = region;
        this.credentials = credentials;
    }

    /** The regional endpoint (or SECRETS_MANAGER_ENDPOINT) with the default credential chain. */
    public static SecretsManagerReader fromEnv(Env env) {
        String region = env.string("AWS_REGION", "us-east-1");
        URI endpoint = env.uri("SECRETS_MANAGER_ENDPOINT", "https://secretsmanager." + region + ".amazonaws.com", "http", "https");
        return new SecretsManagerReader(endpoint, region, DefaultCredentialsProvider.builder().build());
    }

    /**
     * @param secretId  the secret's ARN or name
     * @param variable  the configuration variable that named it, for error messages
     */
    public String read(String secretId, String variable) {
        String body = JSON.createObjectNode().put("SecretId", secretId).toString();
        SdkHttpRequest unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(endpoint)
                .putHeader("Content-Type", "application/x-amz-json-1.1")
                .putHeader("X-Amz-Target", "secretsmanager.GetSecretValue")
                .build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(credentials.resolveCredentials())
                .request(unsigned)
                .payload(ContentStreamProvider.fromUtf8String(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "secretsmanager")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region));
        HttpRequest.Builder req = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        signed.request().forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("host") && !name.equalsIgnoreCase("content-length")) {
                values.forEach(v -> req.header(name, v));
            }
        });
        try {
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new ConfigException(variable + ": Secrets Manager answered HTTP " + r.statusCode() + " for the secret it names");
            }
            JsonNode value = JSON.readTree(r.body()).get("SecretString");
            if (value == null || !value.isTextual()) {
                throw new ConfigException(variable + ": the secret it names has no SecretString");
            }
            return value.asText();
        } catch (IOException e) {
            throw new ConfigException(variable + ": Secrets Manager could not be reached: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException(variable + ": interrupted while reading the secret");
        }
    }
}
