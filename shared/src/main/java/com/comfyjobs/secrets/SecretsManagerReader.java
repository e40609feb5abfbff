package com.comfyjobs.secrets;

import com.comfyjobs.config.Env;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

/**
 * Reads a secret's current value with the AWS SDK's Secrets Manager client (GetSecretValue). Every
 * failure is a {@link SecretUnavailableException} whose message names the configuration variable
 * and never the value; {@link Secret} decides what a failure means when a value was read before.
 *
 * <p>Timeouts are short (connect 2 s, the whole call with the SDK's retries 6 s): a read happens on
 * a request's path when a cached value has expired, and a slow Secrets Manager must not hold the
 * request for long when the value read before can serve it.
 */
public final class SecretsManagerReader implements AutoCloseable {
    private final SecretsManagerClient client;

    public SecretsManagerReader(SecretsManagerClient client) {
        this.client = client;
    }

    /** The regional endpoint (or SECRETS_MANAGER_ENDPOINT) with the default credential chain. */
    public static SecretsManagerReader fromEnv(Env env) {
        return create(env.uri("SECRETS_MANAGER_ENDPOINT", null, "http", "https"), env.string("AWS_REGION", "us-east-1"),
                DefaultCredentialsProvider.builder().build());
    }

    /** @param endpoint another Secrets Manager (tests), or null for the region's own */
    public static SecretsManagerReader create(URI endpoint, String region, AwsCredentialsProvider credentials) {
        var builder = SecretsManagerClient.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(Duration.ofSeconds(3))
                        .build())
                .region(Region.of(region))
                .credentialsProvider(credentials)
                .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(6)));
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return new SecretsManagerReader(builder.build());
    }

    /**
     * @param secretId the secret's ARN or name
     * @param variable the configuration variable that named it, for error messages
     */
    public String read(String secretId, String variable) {
        GetSecretValueResponse answer;
        try {
            answer = client.getSecretValue(r -> r.secretId(secretId));
        } catch (ResourceNotFoundException e) {
            throw new SecretUnavailableException(variable + ": the secret it names does not exist", e);
        } catch (SecretsManagerException e) {
            String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode() + ", ";
            throw new SecretUnavailableException(variable + ": Secrets Manager refused to read the secret it names ("
                    + code + "HTTP " + e.statusCode() + ")", e);
        } catch (SdkClientException e) {
            throw new SecretUnavailableException(variable + ": Secrets Manager could not be reached: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new SecretUnavailableException(variable + ": the secret it names could not be read: " + e.getMessage(), e);
        }
        if (answer.secretString() == null) {
            throw new SecretUnavailableException(variable + ": the secret it names has no SecretString (a binary secret?)", null);
        }
        return answer.secretString();
    }

    @Override
    public void close() {
        client.close();
    }
}
