package com.comfyjobs.artifacts;

import com.comfyjobs.servers.S3Server;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The artifact store contract against S3Proxy in this JVM, which checks real AWS signatures. */
class ArtifactStoreS3ProxyIT extends ArtifactStoreContract {
    private static S3Server s3;

    @BeforeAll
    static void start() {
        s3 = S3Server.inMemory();
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    @Override
    protected URI endpoint() {
        return s3.endpoint();
    }

    @Override
    protected String accessKey() {
        return S3Server.ACCESS_KEY;
    }

    @Override
    protected String secretKey() {
        return S3Server.SECRET_KEY;
    }
}
