package com.comfyjobs.inputs;

import com.comfyjobs.artifacts.ArtifactStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The bucket calls input images need, on the artifact store's clients: an upload's size and version,
 * its first bytes and a copy of exactly that version (both conditional on its ETag, so a caller who
 * PUTs again to its presigned URL meanwhile cannot swap the bytes that were checked), a job's own copy
 * of an image, and presigned PUT URLs.
 *
 * <p>S3 answers 403, not 404, for a missing key to a role without s3:ListBucket, which the functions
 * are not given (it would list every user's objects); with s3:GetObject granted on these prefixes, a
 * 403 means the object is not there.
 */
final class InputObjects {
    record Head(long size, String etag, Instant lastModified) {
    }

    private final ArtifactStore bucket;

    InputObjects(ArtifactStore bucket) {
        this.bucket = bucket;
    }

    Optional<Head> head(String key) {
        try {
            var h = bucket.client().headObject(b -> b.bucket(bucket.bucket()).key(key));
            return Optional.of(new Head(h.contentLength(), h.eTag(), h.lastModified()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404 || e.statusCode() == 403) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Up to {@code n} leading bytes of the version {@code etag} names. */
    byte[] firstBytes(String key, int n, String etag) {
        try {
            return bucket.client().getObjectAsBytes(b -> b.bucket(bucket.bucket()).key(key).range("bytes=0-" + (n - 1)).ifMatch(etag))
                    .asByteArray();
        } catch (S3Exception e) {
            throw changedOrFailed(e);
        }
    }

    /** A server-side copy of the version {@code etag} names, stored with {@code contentType}. */
    void copy(String from, String to, String etag, String contentType) {
        try {
            bucket.client().copyObject(b -> b.sourceBucket(bucket.bucket()).sourceKey(from).copySourceIfMatch(etag)
                    .destinationBucket(bucket.bucket()).destinationKey(to)
                    .metadataDirective(MetadataDirective.REPLACE).contentType(contentType));
        } catch (S3Exception e) {
            throw changedOrFailed(e);
        }
    }

    void put(String key, byte[] bytes, String contentType) {
        bucket.client().putObject(b -> b.bucket(bucket.bucket()).key(key).contentType(contentType).contentLength((long) bytes.length),
                RequestBody.fromBytes(bytes));
    }

    String presignPut(String key, Duration ttl) {
        return bucket.presigner().presignPutObject(b -> b.signatureDuration(ttl)
                .putObjectRequest(p -> p.bucket(bucket.bucket()).key(key))).url().toString();
    }

    private static RuntimeException changedOrFailed(S3Exception e) {
        if (e.statusCode() == 412 || e.statusCode() == 404 || e.statusCode() == 403) {
            return new ImageRefusal("the upload changed while it was being read; send the request again");
        }
        return e;
    }
}
