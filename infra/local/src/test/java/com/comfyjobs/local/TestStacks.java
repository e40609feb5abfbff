package com.comfyjobs.local;

import com.comfyjobs.servers.S3Server;
import com.comfyjobs.simulator.WebhookOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Local stack options for tests: built-in Redis, S3 and simulator whatever the machine's environment says. */
final class TestStacks {
    private TestStacks() {
    }

    /** A client of the stack's bucket, as an operator looking into it. */
    static S3Client bucket(LocalStack stack) {
        return S3Client.builder().endpointOverride(stack.s3().endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3Server.ACCESS_KEY, S3Server.SECRET_KEY)))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    static List<String> keysUnder(LocalStack stack, String prefix) {
        try (S3Client s3 = bucket(stack)) {
            return s3.listObjectsV2(b -> b.bucket(LocalStack.LOCAL_BUCKET).prefix(prefix)).contents().stream().map(S3Object::key).toList();
        }
    }

    static LocalStack.Options options(String name) throws IOException {
        LocalStack.Options o = new LocalStack.Options();
        o.port = 0;
        o.webSocketPort = 0;
        // tests run recovery themselves, exactly when a case needs it; callbacks go out as deployed, the schedule
        // looking every second while anything waits
        o.recoveryEvery = Duration.ofHours(1);
        o.callbacksEvery = Duration.ofSeconds(1);
        o.dataDir = Files.createTempDirectory(name + "-");
        o.env.remove("COMFYUI_URLS");
        o.env.remove("REDIS_URL");
        o.env.remove("S3_ENDPOINT");
        // every event ComfyUI sends, each progress included, one per POST: the most events and deliveries a bridge can be
        // set to send (all types, COMFYJOBS_WEBHOOK_COALESCE_MS=0, BATCH=1), and every step of a job for the tests that look
        // at progress; a test that sets its own knobs starts from the bridge's defaults
        o.webhook = b -> b.events(WebhookOptions.ALL_EVENTS).coalesceMillis(0).batchSize(1);
        return o;
    }
}
