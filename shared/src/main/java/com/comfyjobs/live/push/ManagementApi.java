package com.comfyjobs.live.push;

import com.comfyjobs.observability.JsonLog;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GoneException;

/**
 * The API Gateway Management API of one WebSocket API stage: {@code POST /@connections/{id}} with the
 * message as its body, signed with the function's role (execute-api:ManageConnections). 410 Gone means
 * the connection is closed; API Gateway keeps no message for it.
 */
public final class ManagementApi implements AutoCloseable {
    /** A push is worth little late: a short budget, and the SDK's retries within it. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(3);

    public enum Outcome { DELIVERED, GONE, FAILED }

    private final ApiGatewayManagementApiClient client;
    private final URI endpoint;

    private ManagementApi(ApiGatewayManagementApiClient client, URI endpoint) {
        this.client = client;
        this.endpoint = endpoint;
    }

    /** @param endpoint the stage's URL (https://ID.execute-api.REGION.amazonaws.com/STAGE) */
    public static ManagementApi create(URI endpoint, String region) {
        return create(endpoint, region, DefaultCredentialsProvider.builder().build());
    }

    public static ManagementApi create(URI endpoint, String region, AwsCredentialsProvider credentials) {
        return new ManagementApi(ApiGatewayManagementApiClient.builder()
                .endpointOverride(endpoint)
                .region(Region.of(region))
                .credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(1))
                        .socketTimeout(Duration.ofSeconds(2)).build())
                .overrideConfiguration(o -> o.apiCallTimeout(CALL_TIMEOUT))
                .build(), endpoint);
    }

    public Outcome post(String connectionId, byte[] message) {
        try {
            client.postToConnection(b -> b.connectionId(connectionId).data(SdkBytes.fromByteArrayUnsafe(message)));
            return Outcome.DELIVERED;
        } catch (GoneException e) {
            return Outcome.GONE;
        } catch (SdkException e) {
            JsonLog.warn("push to a WebSocket connection failed", "connectionId", connectionId, "endpoint", endpoint.toString(),
                    "error", e.getClass().getSimpleName() + ": " + e.getMessage());
            return Outcome.FAILED;
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
