package com.comfyjobs.artifacts;

import com.comfyjobs.job.JobArtifact;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
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
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Job outputs in S3: a streaming copy that never holds a whole file in memory (one part at most),
 * presigned download URLs (for outputs only) and deletion. A copy either completes or leaves nothing behind under its key
 * (a failed multipart upload is aborted), so an artifact is never reported half-copied.
 */
public final class ArtifactStore implements AutoCloseable {
    /** S3's limit on the keys of one DeleteObjects request. */
    private static final int DELETE_BATCH = 1000;
    /**
     * Built on first use: a function that only presigns (GET, list) never loads the S3 client's
     * several hundred classes at a cold start. Under SnapStart it is built before the snapshot, so a
     * restored copy has it either way.
     */
    private final Supplier<S3Client> buildS3;
    private volatile S3Client s3;
    private final S3Presigner presigner;
    private final ArtifactSettings settings;

    public ArtifactStore(S3Client s3, S3Presigner presigner, ArtifactSettings settings) {
        this(() -> s3, presigner, settings);
    }

    private ArtifactStore(Supplier<S3Client> buildS3, S3Presigner presigner, ArtifactSettings settings) {
        this.buildS3 = buildS3;
        this.presigner = presigner;
        this.settings = settings;
    }

    /** Clients for these settings with the default AWS credential chain. */
    public static ArtifactStore create(ArtifactSettings settings) {
        return create(settings, DefaultCredentialsProvider.builder().build());
    }

    public static ArtifactStore create(ArtifactSettings settings, AwsCredentialsProvider credentials) {
        S3Configuration config = S3Configuration.builder().pathStyleAccessEnabled(settings.endpoint() != null).build();
        var presigner = S3Presigner.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(config);
        if (settings.endpoint() != null) {
            presigner.endpointOverride(settings.endpoint());
        }
        return new ArtifactStore(() -> client(settings, credentials, config), presigner.build(), settings);
    }

    private static S3Client client(ArtifactSettings settings, AwsCredentialsProvider credentials, S3Configuration config) {
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
        if (settings.endpoint() != null) {
            s3.endpointOverride(settings.endpoint());
        }
        return s3.build();
    }

    public String bucket() {
        return settings.bucket();
    }

    /** The S3 client, built on the first call; SnapStart priming calls this so that the snapshot holds it. */
    public S3Client client() {
        S3Client c = s3;
        if (c == null) {
            synchronized (this) {
                c = s3;
                if (c == null) {
                    c = buildS3.get();
                    s3 = c;
                }
            }
        }
        return c;
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
                client().putObject(b -> b.bucket(settings.bucket()).key(key).contentType(type).contentLength(length),
                        RequestBody.fromInputStream(new ByteArrayInputStream(bytes), length));
                return new JobArtifact(key, filename, type, length);
            }
            return new JobArtifact(key, filename, type, multipart(body, key, type));
        } catch (SdkException | IOException e) {
            throw new ArtifactCopyException("copy to s3://" + settings.bucket() + "/" + key + " failed: " + e.getMessage(), e);
        }
    }

    private long multipart(InputStream body, String key, String type) throws IOException {
        String uploadId = client().createMultipartUpload(b -> b.bucket(settings.bucket()).key(key).contentType(type)).uploadId();
        try {
            byte[] buffer = new byte[settings.partSize()];
            List<CompletedPart> parts = new ArrayList<>();
            long total = 0;
            int n;
            while ((n = body.readNBytes(buffer, 0, buffer.length)) > 0 || parts.isEmpty()) {
                int partNumber = parts.size() + 1;
                int size = n;
                String etag = client().uploadPart(b -> b.bucket(settings.bucket()).key(key).uploadId(uploadId)
                        .partNumber(partNumber).contentLength((long) size), RequestBody.fromInputStream(new ByteArrayInputStream(buffer, 0, size), size)).eTag();
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
                total += size;
                if (n < buffer.length) {
                    break;
                }
            }
            client().completeMultipartUpload(b -> b.bucket(settings.bucket()).key(key).uploadId(uploadId)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
            return total;
        } catch (IOException | RuntimeException e) {
            try {
                client().abortMultipartUpload(b -> b.bucket(settings.bucket()).key(key).uploadId(uploadId));
            } catch (SdkException abortFailed) {
                e.addSuppressed(abortFailed);
            }
            throw e;
        }
    }

    /**
     * The stored object's size, or -1 when none is known: lets a finalizer skip outputs already copied.
     * S3 answers 403 rather than 404 for a missing key to a caller without s3:ListBucket, which the
     * functions are not given (it would let them list every user's artifacts); a 403 therefore means
     * "not known to be there", and the copy that follows goes ahead (it fails on its own if the
     * function truly may not write the key).
     */
    public long sizeOf(String key) {
        try {
            HeadObjectResponse h = client().headObject(b -> b.bucket(settings.bucket()).key(key));
            return h.contentLength();
        } catch (NoSuchKeyException e) {
            return -1;
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() == 404 || e.statusCode() == 403) {
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
            return Optional.of(client().getObjectAsBytes(b -> b.bucket(settings.bucket()).key(key)).asByteArray());
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

    /**
     * Only job outputs are ever handed out: a key outside {@link ArtifactKeys#ROOT} (a job's input
     * images, a caller's uploads) is refused, so no answer can carry a URL to them.
     */
    public String presign(String key, Duration ttl) {
        if (!key.startsWith(ArtifactKeys.ROOT)) {
            throw new IllegalArgumentException("only job outputs (" + ArtifactKeys.ROOT + "...) are presigned, not " + key);
        }
        return presigner.presignGetObject(b -> b.signatureDuration(ttl)
                .getObjectRequest(g -> g.bucket(settings.bucket()).key(key))).url().toString();
    }

    /** Every key under {@code prefix}. */
    public List<String> keysUnder(String prefix) {
        try {
            return client().listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(prefix)).contents().stream()
                    .map(S3Object::key).toList();
        } catch (SdkException e) {
            throw new ArtifactStoreUnavailableException("listing s3://" + settings.bucket() + "/" + prefix + " failed: " + e.getMessage(), e);
        }
    }

    /** Deletes these objects; one that is gone already is no error. All or an exception: a retry deletes the rest. */
    public void delete(Collection<String> keys) {
        List<String> all = List.copyOf(new LinkedHashSet<>(keys));
        for (int from = 0; from < all.size(); from += DELETE_BATCH) {
            List<ObjectIdentifier> batch = all.subList(from, Math.min(all.size(), from + DELETE_BATCH)).stream()
                    .map(k -> ObjectIdentifier.builder().key(k).build()).toList();
            DeleteObjectsResponse r;
            try {
                r = client().deleteObjects(b -> b.bucket(settings.bucket()).delete(d -> d.objects(batch).quiet(true)));
            } catch (SdkException e) {
                throw new ArtifactStoreUnavailableException("deleting from s3://" + settings.bucket() + " failed: " + e.getMessage(), e);
            }
            if (r.hasErrors() && !r.errors().isEmpty()) {
                S3Error first = r.errors().get(0);
                throw new ArtifactStoreUnavailableException(r.errors().size() + " of " + batch.size() + " objects were not deleted, "
                        + first.key() + ": " + first.code() + " " + first.message(), null);
            }
        }
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
        S3Client c = s3;
        if (c != null) {
            c.close();
        }
        presigner.close();
    }
}
