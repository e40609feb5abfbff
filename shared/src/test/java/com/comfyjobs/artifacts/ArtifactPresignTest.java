package com.comfyjobs.artifacts;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Presigning happens without S3 (no server here): a job's outputs get a URL, and nothing else in the
 * bucket ever does, a job's input images and a caller's uploads above all.
 */
class ArtifactPresignTest {
    private static ArtifactStore store() {
        return ArtifactStore.create(ArtifactSettings.of("bucket", URI.create("http://127.0.0.1:9")),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s")));
    }

    @Test
    void onlyJobOutputsArePresigned() {
        try (ArtifactStore s = store()) {
            String url = s.presign(ArtifactKeys.key("u", "0b7e6d1c-0000-4000-8000-000000000001", 1, "9", "", "a.png"));
            assertTrue(url.contains("/bucket/artifacts/u/"), url);
            for (String other : new String[] {"inputs/0b7e6d1c-0000-4000-8000-000000000001/image.png", "uploads/u/abc", "templates/x",
                    "artifact", "/artifacts/u/x", "Artifacts/u/x"}) {
                assertThrows(IllegalArgumentException.class, () -> s.presign(other), other);
                assertThrows(IllegalArgumentException.class, () -> s.presign(other, Duration.ofSeconds(5)), other);
            }
        }
    }
}
