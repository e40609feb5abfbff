package com.comfyjobs.servers;

import java.net.URI;
import java.nio.file.Path;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;

/**
 * A real S3 server in this JVM (S3Proxy) on a loopback port, checking AWS signatures (SigV2/SigV4,
 * presigned URLs included) with the fixed credentials below. It can stop and start again on the same
 * port with the same objects, for outage tests.
 */
public final class S3Server implements AutoCloseable {
    public static final String ACCESS_KEY = "comfyjobs-local";
    public static final String SECRET_KEY = "comfyjobs-local-secret";
    public static final String REGION = "us-east-1";

    private final BlobStore blobs;
    private final int port;
    private S3Proxy proxy;

    private S3Server(BlobStore blobs, int port) {
        this.blobs = blobs;
        this.port = port;
    }

    /** Objects in memory; for tests. */
    public static S3Server inMemory() {
        return start(new TransientNio2BlobStore(), FreePorts.any());
    }

    /** Objects in a directory; for large objects and for the local stack. */
    public static S3Server onDisk(Path dir, int port) {
        return start(new FilesystemNio2BlobStore(dir.toString()), port == 0 ? FreePorts.any() : port);
    }

    private static S3Server start(BlobStore blobs, int port) {
        S3Server s = new S3Server(blobs, port);
        s.start();
        return s;
    }

    public synchronized void start() {
        if (proxy != null) {
            return;
        }
        S3Proxy p = S3Proxy.builder()
                .blobStore(blobs)
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .ignoreUnknownHeaders(true)
                .build();
        try {
            p.start();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!"STARTED".equals(p.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy did not start on port " + port);
                }
                Thread.sleep(10);
            }
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not start on port " + port, e);
        }
        proxy = p;
    }

    public synchronized void stop() {
        if (proxy == null) {
            return;
        }
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        proxy = null;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    @Override
    public void close() {
        stop();
    }
}
