package com.comfyjobs.artifacts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Artifact keys: one key per output, never shared, never a path a caller chose, within S3's limit. */
class ArtifactKeysTest {
    @Test
    void keysFollowTheLayout() {
        assertEquals("artifacts/user-1/job-1/2/9/ComfyUI_00001_.png", ArtifactKeys.key("user-1", "job-1", 2, "9", "", "ComfyUI_00001_.png"));
        assertEquals("artifacts/u/j/1/9/a/b/x.png", ArtifactKeys.key("u", "j", 1, "9", "a/b", "x.png"));
    }

    @Test
    void userValuesCannotAddPathLevelsOrEscape() {
        assertEquals("artifacts/a%2Fb/j/1/9/%2E%2E/x.png", ArtifactKeys.key("a/b", "j", 1, "9", "..", "x.png"));
        assertEquals("artifacts/%/j/1/9/%2Fetc%2Fpasswd", ArtifactKeys.key("", "j", 1, "9", null, "/etc/passwd"));
        assertEquals("artifacts/auth0%7C123/j/1/9/f%20x.png", ArtifactKeys.key("auth0|123", "j", 1, "9", "", "f x.png"));
    }

    @Test
    void differentValuesNeverShareAKey() {
        Set<String> keys = new HashSet<>();
        for (String user : List.of("a/b", "a_b", "a%2Fb", "a b", "a%20b", "", "%", "..", "%2E%2E", "ä", "%C3%A4")) {
            assertTrue(keys.add(ArtifactKeys.key(user, "j", 1, "9", "", "x.png")), user);
        }
    }

    @Test
    void keysStayWithinS3sLimitAndStayDistinct() {
        String deep = "folder/".repeat(300);
        String a = ArtifactKeys.key("user", "j", 1, "9", deep, "a.png");
        String b = ArtifactKeys.key("user", "j", 1, "9", deep, "b.png");
        assertTrue(a.getBytes(StandardCharsets.UTF_8).length <= ArtifactKeys.MAX_KEY_BYTES, a.length() + " bytes");
        assertEquals(ArtifactKeys.MAX_KEY_BYTES, a.length());
        assertNotEquals(a, b, "the tail's hash keeps outputs apart");
        assertEquals(a, ArtifactKeys.key("user", "j", 1, "9", deep, "a.png"), "the same output, the same key");
        String wide = ArtifactKeys.key("ü".repeat(400), "j", 1, "9", "", "x.png");
        assertTrue(wide.getBytes(StandardCharsets.UTF_8).length <= ArtifactKeys.MAX_KEY_BYTES);
    }

    @Test
    void contentTypeFallsBackToTheName() {
        assertEquals("image/png", ArtifactStore.contentType(null, "a.png"));
        assertEquals("image/png", ArtifactStore.contentType("application/octet-stream", "a.png"));
        assertEquals("video/mp4", ArtifactStore.contentType("video/mp4", "a.bin"));
        assertEquals("image/webp", ArtifactStore.contentType(null, "a.webp"));
        assertEquals("application/octet-stream", ArtifactStore.contentType(null, "a.unknownext"));
    }
}
