package com.comfyjobs.artifacts;

import com.comfyjobs.job.JobArtifact;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Job outputs in S3: a streaming copy that never holds a whole file in memory (one part at most),
 * and presigned download URLs. A copy either completes or leaves nothing behind under its key
 * (a failed multipart upload is aborted), so an artifact is never reported half-copied.
 */
public final class ArtifactStore implements AutoCloseable {
    private final S3Client s3;
    private final S3Presigner presigner;
    private final ArtifactSettings settings;

    public ArtifactStore(S3Client s3, S3Presigner presigner, ArtifactSettings settings) {
        this.s3 = s3;
        this.presigner = presigner;
        this.settings = settings;
    }

    /** Clients for these settings with the default AWS credential chain. */
    public static ArtifactStore create(ArtifactSettings settings) {
        return create(settings, DefaultCredentialsProvider.builder().build());
    }

    public static ArtifactStore create(ArtifactSettings settings, AwsCredentialsProvider credentials) {
        S3Configuration config = S3Configuration.builder().pathStyleAccessEnabled(settings.endpoint() != null).build();
        var s3 = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(Duration.ofSeconds(30))
                        .build())
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                // checksums only where S3 demands them: S3-compatible servers differ in trailer support
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .serviceConfiguration(config);
        var presigner = S3Presigner.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(config);
        if (settings.endpoint() != null) {
            s3.endpointOverride(settings.endpoint());
            presigner.endpointOverride(settings.endpoint());
        }
        return new ArtifactStore(s3.build(), presigner.build(), settings);
    }

    public String bucket() {
        return settings.bucket();
    }

    public S3Client client() {
        return s3;
    }

    public S3Presigner presigner() {
        return presigner;
    }

    /**
     * Streams {@code body} to {@code key}. {@code length} is the size if known (-1 otherwise);
     * {@code contentType} falls back to a guess from the file name.
     */
    public JobArtifact copy(InputStream body, long length, String contentType, String key, String filename)
            throws ArtifactCopyException {
        String type = contentType(contentType, filename);
        try {
            if (length >= 0 && length <= settings.partSize()) {
                // held in memory (no more than one part), so the SDK can send it again when S3 drops
                // the connection; a stream from ComfyUI cannot be rewound
                byte[] bytes = body.readNBytes((int) length);
                if (bytes.length != length || body.read() != -1) {
                    throw new IOException("ComfyUI announced " + length + " bytes and sent " + (bytes.length == length ? "more" : bytes.length));
                }
                s3.putObject(b -> b.bucket(settings.bucket()).key(key).contentType(type).contentLength(length),
                        RequestBody.fromInputStream(new ByteArrayInputStream(bytes), length));
                return new JobArtifact(key, filename, type, length);
            }
            return new JobArtifact(key, filename, type, multipart(body, key, type));
        } catch (SdkException | IOException e) {
            throw new ArtifactCopyException("copy to s3://" + settings.bucket() + "/" + key + " failed: " + e.getMessage(), e);
        }
    }

    private long multipart(InputStream body, String key, String type) throws IOException {
        String uploadId = s3.createMultipartUpload(b -> b.bucket(settings.bucket()).key(key).contentType(type)).uploadId();
        try {
            byte[] buffer = new byte[settings.partSize()];
            List<CompletedPart> parts = new ArrayList<>();
            long total = 0;
            int n;
            while ((n = body.readNBytes(buffer, 0, buffer.length)) > 0 || parts.isEmpty()) {
                int partNumber = parts.size() + 1;
                int size = n;
                String etag = s3.uploadPart(b -> b.bucket(settings.bucket()).key(key).uploadId(uploadId)
                        .partNumber(partNumber).contentLength((long) size), RequestBody.fromInputStream(new ByteArrayInputStream(buffer, 0, size), size)).eTag();
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
                total += size;
                if (n < buffer.length) {
                    break;
                }
            }
            s3.completeMultipartUpload(b -> b.bucket(settings.bucket()).key(key).uploadId(uploadId)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
            return total;
        } catch (IOException | RuntimeException e) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(key).uploadId(uploadId));
            } catch (SdkException abortFailed) {
                e.addSuppressed(abortFailed);
            }
            throw e;
        }
    }

    /** The stored object's size, or -1 when there is none: lets a finalizer skip outputs already copied. */
    public long sizeOf(String key) {
        try {
            HeadObjectResponse h = s3.headObject(b -> b.bucket(settings.bucket()).key(key));
            return h.contentLength();
        } catch (NoSuchKeyException e) {
            return -1;
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() == 404) {
                return -1;
            }
            throw e;
        }
    }

    /**
     * The whole object, or empty when there is none. For input images, whose size was capped when they
     * were stored; S3 failures other than a missing key are thrown. A role granted s3:GetObject but not
     * s3:ListBucket is answered 403 for a missing key, so 403 counts as missing too.
     */
    public Optional<byte[]> read(String key) {
        try {
            return Optional.of(s3.getObjectAsBytes(b -> b.bucket(settings.bucket()).key(key)).asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() == 404 || e.statusCode() == 403) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** A GET URL valid for the configured TTL, made fresh per request. */
    public String presign(String key) {
        return presign(key, settings.presignTtl());
    }

    public String presign(String key, Duration ttl) {
        return presigner.presignGetObject(b -> b.signatureDuration(ttl)
                .getObjectRequest(g -> g.bucket(settings.bucket()).key(key))).url().toString();
    }

    static String contentType(String reported, String filename) {
        if (reported != null && !reported.isBlank() && !reported.startsWith("application/octet-stream")) {
            return reported;
        }
        String guess = URLConnection.guessContentTypeFromName(filename);
        if (guess == null && filename.toLowerCase(java.util.Locale.ROOT).endsWith(".webp")) {
            guess = "image/webp";
        }
        return guess == null ? "application/octet-stream" : guess;
    }

    @Override
    public void close() {
        s3.close();
        presigner.close();
    }
}
