package com.comfyjobs.artifacts;

import java.net.URI;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/** The same contract against LocalStack when a Docker engine exists; skipped cleanly otherwise. */
@Testcontainers(disabledWithoutDocker = true)
class ArtifactStoreLocalStackIT extends ArtifactStoreContract {
    @Container
    private static final LocalStackContainer LOCALSTACK =
            new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.14.0")).withServices("s3");

    @Override
    protected URI endpoint() {
        return LOCALSTACK.getEndpoint();
    }

    @Override
    protected String accessKey() {
        return LOCALSTACK.getAccessKey();
    }

    @Override
    protected String secretKey() {
        return LOCALSTACK.getSecretKey();
    }
}
