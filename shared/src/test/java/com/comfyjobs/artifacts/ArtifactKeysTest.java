package com.comfyjobs.artifacts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ArtifactKeysTest {
    @Test
    void keysFollowTheLayout() {
        assertEquals("artifacts/user-1/job-1/2/9/ComfyUI_00001_.png", ArtifactKeys.key("user-1", "job-1", 2, "9", "", "ComfyUI_00001_.png"));
        assertEquals("artifacts/u/j/1/9/a/b/x.png", ArtifactKeys.key("u", "j", 1, "9", "a/b", "x.png"));
    }

    @Test
    void userValuesCannotAddPathLevelsOrEscape() {
        assertEquals("artifacts/a_b/j/1/9/_../x.png", ArtifactKeys.key("a/b", "j", 1, "9", "..", "x.png"));
        assertEquals("artifacts/_/j/1/9/__etc_passwd", ArtifactKeys.key("", "j", 1, "9", null, "/.etc/passwd".replace(".", "_")));
        assertEquals("artifacts/auth0_123/j/1/9/f_x.png", ArtifactKeys.key("auth0|123", "j", 1, "9", "", "f x.png"));
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
