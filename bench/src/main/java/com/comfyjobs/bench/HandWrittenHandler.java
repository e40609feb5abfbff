package com.comfyjobs.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.artifacts.ArtifactKeys;
import com.comfyjobs.job.redis.RedisKeys;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The second floor for cold starts: what a GET costs with the same clients and no framework. A plain
 * RequestHandler that, as a handler written by hand would, builds a lettuce connection, an S3
 * presigner and a Jackson mapper in its constructor and answers with one HGETALL of the job's hash and
 * one presigned URL, rendered as JSON. No checks, no problem+json, no configuration beyond the
 * environment variables it reads: anything ours does more is what this limit leaves out.
 */
public class HandWrittenHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final RedisCommands<String, String> redis;
    private final S3Presigner presigner;
    private final ObjectMapper json = new ObjectMapper();
    private final RedisKeys keys = new RedisKeys("cj", 16);
    private final String bucket = System.getenv("ARTIFACT_BUCKET");

    public HandWrittenHandler() {
        redis = RedisClient.create(System.getenv("REDIS_URL")).connect().sync();
        presigner = S3Presigner.builder().region(Region.of(System.getenv("AWS_REGION")))
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .endpointOverride(URI.create(System.getenv("S3_ENDPOINT"))).build();
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        String job = event.getPathParameters().get("jobId");
        Map<String, String> hash = redis.hgetall(keys.job(job));
        String key = ArtifactKeys.ROOT + "probe-user/" + job + "/output.png";
        String url = presigner.presignGetObject(b -> b.signatureDuration(Duration.ofHours(1))
                .getObjectRequest(g -> g.bucket(bucket).key(key))).url().toString();
        ObjectNode body = json.createObjectNode();
        hash.forEach(body::put);
        body.put("url", url);
        return APIGatewayV2HTTPResponse.builder().withStatusCode(200).withBody(body.toString()).build();
    }
}
