package com.comfyjobs.local;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;

/** Local stack options for tests: built-in Redis, S3 and simulator whatever the machine's environment says. */
final class TestStacks {
    private TestStacks() {
    }

    static LocalStack.Options options(String name) throws IOException {
        LocalStack.Options o = new LocalStack.Options();
        o.port = 0;
        // tests run recovery themselves, exactly when a case needs it
        o.recoveryEvery = Duration.ofHours(1);
        o.dataDir = Files.createTempDirectory(name + "-");
        o.env.remove("COMFYUI_URLS");
        o.env.remove("REDIS_URL");
        o.env.remove("S3_ENDPOINT");
        return o;
    }
}
