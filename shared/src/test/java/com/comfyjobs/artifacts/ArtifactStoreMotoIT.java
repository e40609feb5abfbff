package com.comfyjobs.artifacts;

import com.comfyjobs.testing.MotoServer;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/** The same contract against moto_server, where it is installed (it is on CI, not on a fresh machine). */
class ArtifactStoreMotoIT extends ArtifactStoreContract {
    private static MotoServer moto;

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(MotoServer.isInstalled(), "moto_server is not on PATH");
        moto = MotoServer.start();
    }

    @AfterAll
    static void stop() {
        if (moto != null) {
            moto.close();
        }
    }

    @Override
    protected boolean checksSignatures() {
        return false;
    }

    @Override
    protected URI endpoint() {
        return moto.endpoint();
    }

    @Override
    protected String accessKey() {
        return "test";
    }

    @Override
    protected String secretKey() {
        return "test";
    }
}
