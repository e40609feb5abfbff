package com.comfyjobs.artifacts;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import java.net.URI;
import java.time.Duration;

/**
 * Where artifacts go.
 *
 * <table>
 * <caption>Environment variables</caption>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>ARTIFACT_BUCKET</td><td>(required)</td><td>the S3 bucket for job outputs</td></tr>
 * <tr><td>AWS_REGION</td><td>us-east-1</td><td>the bucket's region (set by Lambda)</td></tr>
 * <tr><td>S3_ENDPOINT</td><td>(AWS)</td><td>another S3 endpoint (S3Proxy, moto, LocalStack); path-style addressing</td></tr>
 * <tr><td>PRESIGN_TTL_SECONDS</td><td>3600</td><td>lifetime of the download URLs GET /jobs/{id} hands out</td></tr>
 * <tr><td>ARTIFACT_PART_SIZE_MB</td><td>8</td><td>files up to this size go up in one PUT, larger ones (or of unknown
 * size) in parts of this size (S3's minimum is 5); the most memory one copy holds</td></tr>
 * </table>
 */
public record ArtifactSettings(String bucket, String region, URI endpoint, Duration presignTtl, int partSize) {
    private static final int MB = 1024 * 1024;

    public ArtifactSettings {
        if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new ConfigException("ARTIFACT_BUCKET must be a valid S3 bucket name, was '" + bucket + "'");
        }
        if (partSize < 5 * MB) {
            throw new ConfigException("ARTIFACT_PART_SIZE_MB must be at least 5 (S3's minimum part size)");
        }
    }

    public static ArtifactSettings fromEnv(Env env) {
        return new ArtifactSettings(
                env.required("ARTIFACT_BUCKET"),
                env.string("AWS_REGION", "us-east-1"),
                env.uri("S3_ENDPOINT", null, "http", "https"),
                env.seconds("PRESIGN_TTL_SECONDS", Duration.ofHours(1), Duration.ofSeconds(60), Duration.ofDays(7)),
                env.integer("ARTIFACT_PART_SIZE_MB", 8, 5, 512) * MB);
    }

    public static ArtifactSettings of(String bucket, URI endpoint) {
        return new ArtifactSettings(bucket, "us-east-1", endpoint, Duration.ofHours(1), 8 * MB);
    }

    public ArtifactSettings withPartSize(int part) {
        return new ArtifactSettings(bucket, region, endpoint, presignTtl, part);
    }
}
