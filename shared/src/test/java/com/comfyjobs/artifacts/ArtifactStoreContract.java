package com.comfyjobs.artifacts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.testing.TcpProxy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** The artifact store against a real S3 server; subclasses say which one. */
public abstract class ArtifactStoreContract {
    private static final int MB = 1024 * 1024;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    protected ArtifactStore store;

    protected abstract URI endpoint();

    protected abstract String accessKey();

    protected abstract String secretKey();

    /** moto_server accepts any signature; S3Proxy and LocalStack check them. */
    protected boolean checksSignatures() {
        return true;
    }

    @BeforeEach
    void open() {
        String bucket = "artifacts-" + UUID.randomUUID().toString().substring(0, 8);
        store = ArtifactStore.create(ArtifactSettings.of(bucket, endpoint()).withPartSize(5 * MB),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey(), secretKey())));
        store.client().createBucket(b -> b.bucket(bucket));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private byte[] stored(String key) {
        return store.client().getObjectAsBytes(b -> b.bucket(store.bucket()).key(key)).asByteArray();
    }

    @Test
    void smallFileOfKnownSizeGoesUpInOnePut() throws Exception {
        byte[] data = random(300_000, 1);
        JobArtifact a = store.copy(new ByteArrayInputStream(data), data.length, "image/png", "artifacts/u/j/1/9/a.png", "a.png");
        assertEquals(new JobArtifact("artifacts/u/j/1/9/a.png", "a.png", "image/png", data.length), a);
        assertArrayEquals(data, stored(a.key()));
        assertEquals(data.length, store.sizeOf(a.key()));
    }

    @Test
    void unknownSizeAndLargeFilesGoUpInParts() throws Exception {
        byte[] data = random(12 * MB + 123, 2);
        JobArtifact unknown = store.copy(new ByteArrayInputStream(data), -1, null, "artifacts/u/j/1/9/big.png", "big.png");
        assertEquals(data.length, unknown.size());
        assertEquals("image/png", unknown.contentType());
        assertArrayEquals(data, stored(unknown.key()));
        JobArtifact known = store.copy(new ByteArrayInputStream(data), data.length, "image/png", "artifacts/u/j/1/9/big2.png", "big2.png");
        assertArrayEquals(data, stored(known.key()));
        byte[] empty = new byte[0];
        assertEquals(0, store.copy(new ByteArrayInputStream(empty), -1, null, "artifacts/u/j/1/9/empty.txt", "empty.txt").size());
    }

    @Test
    void copyingAgainOverwritesInsteadOfDuplicating() throws Exception {
        byte[] data = random(1000, 3);
        store.copy(new ByteArrayInputStream(data), data.length, "image/png", "artifacts/u/j/1/9/a.png", "a.png");
        store.copy(new ByteArrayInputStream(data), data.length, "image/png", "artifacts/u/j/1/9/a.png", "a.png");
        assertEquals(1, store.client().listObjectsV2(b -> b.bucket(store.bucket()).prefix("artifacts/u/j/")).keyCount());
    }

    @Test
    void aSourceThatBreaksOffLeavesNothingBehind() {
        InputStream breaking = new InputStream() {
            private int sent;

            @Override
            public int read() throws IOException {
                if (sent++ > 6 * MB) {
                    throw new IOException("connection reset by ComfyUI");
                }
                return 7;
            }
        };
        ArtifactCopyException e = assertThrows(ArtifactCopyException.class,
                () -> store.copy(breaking, -1, "image/png", "artifacts/u/j/1/9/broken.png", "broken.png"));
        assertTrue(e.getMessage().contains("broken.png"));
        assertEquals(-1, store.sizeOf("artifacts/u/j/1/9/broken.png"));
        assertEquals(0, store.client().listMultipartUploads(b -> b.bucket(store.bucket())).uploads().size(), "aborted upload");
    }

    @Test
    void presignedUrlsDownloadTheBytesAndRefuseTampering() throws Exception {
        byte[] data = random(5000, 4);
        JobArtifact a = store.copy(new ByteArrayInputStream(data), data.length, "image/png", "artifacts/u/j/1/9/a.png", "a.png");
        String url = store.presign(a.key(), Duration.ofMinutes(5));
        HttpResponse<byte[]> ok = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, ok.statusCode());
        assertArrayEquals(data, ok.body());
        if (checksSignatures()) {
            byte[] other = random(10, 5);
            store.copy(new ByteArrayInputStream(other), other.length, "image/png", "artifacts/u/j/1/9/b.png", "b.png");
            String tampered = url.replace("a.png", "b.png");
            HttpResponse<byte[]> bad = HTTP.send(HttpRequest.newBuilder(URI.create(tampered)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(403, bad.statusCode(), "a URL signed for one key opens no other");
        }
    }

    @Test
    void deletionRemovesTheKeysGivenAndTakesKeysAlreadyGone() throws Exception {
        for (String key : new String[] {"artifacts/u/j/1/9/a.png", "artifacts/u/j/2/9/b.png", "artifacts/u/j2/1/9/c.png", "inputs/j/m.png"}) {
            store.copy(new ByteArrayInputStream(new byte[] {1, 2, 3}), 3, "image/png", key, "x.png");
        }
        assertEquals(List.of("artifacts/u/j/1/9/a.png", "artifacts/u/j/2/9/b.png"), store.keysUnder("artifacts/u/j/"));

        store.delete(List.of("artifacts/u/j/1/9/a.png", "artifacts/u/j/2/9/b.png", "inputs/j/m.png", "inputs/j/never-was.png"));

        assertEquals(List.of(), store.keysUnder("artifacts/u/j/"));
        assertEquals(List.of("artifacts/u/j2/1/9/c.png"), store.keysUnder(""));
        store.delete(List.of("artifacts/u/j/1/9/a.png"));
    }

    @Test
    void missingObjectsHaveNoSize() {
        assertEquals(-1, store.sizeOf("artifacts/none"));
    }

    /** A stream read straight off a socket, as ComfyUI's /view body is: it cannot be rewound. */
    private static InputStream oneShot(byte[] data) {
        return new java.io.FilterInputStream(new ByteArrayInputStream(data)) {
            @Override
            public boolean markSupported() {
                return false;
            }

            @Override
            public synchronized void mark(int readLimit) {
            }

            @Override
            public synchronized void reset() throws IOException {
                throw new IOException("not rewindable");
            }
        };
    }

    @Test
    void aConnectionCutMidUploadIsRetriedWithTheSameBytes() throws Exception {
        byte[] small = random(2 * MB, 5);
        byte[] large = random(11 * MB + 7, 6);
        try (TcpProxy proxy = new TcpProxy(endpoint())) {
            ArtifactStore flaky = ArtifactStore.create(new ArtifactSettings(store.bucket(), "us-east-1", proxy.endpoint(),
                    Duration.ofHours(1), 5 * MB), StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey(), secretKey())));
            try {
                proxy.cutUploads(1, 256 * 1024);
                JobArtifact one = flaky.copy(oneShot(small), small.length, "image/png", "artifacts/u/j/1/9/cut.png", "cut.png");
                proxy.cutUploads(1, 256 * 1024);
                JobArtifact parts = flaky.copy(oneShot(large), large.length, "image/png", "artifacts/u/j/1/9/cut-big.png", "cut-big.png");
                assertEquals(2, proxy.uploadsCut(), "each upload met a cut connection");
                assertArrayEquals(small, stored(one.key()));
                assertArrayEquals(large, stored(parts.key()));
            } finally {
                flaky.close();
            }
        }
    }
}
