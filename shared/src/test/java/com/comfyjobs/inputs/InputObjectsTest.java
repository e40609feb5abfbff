package com.comfyjobs.inputs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ServiceHarness;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bucket calls on S3Proxy: a version that changed after it was checked is neither read nor copied. */
class InputObjectsTest {
    private ServiceHarness h;

    @AfterEach
    void stop() {
        h.close();
    }

    @Test
    void aSecondPutAfterTheCheckIsNeitherReadNorCopied() {
        h = ServiceHarness.start();
        InputObjects objects = new InputObjects(h.artifacts);
        byte[] png = JobFixtures.image("png", 8);
        objects.put("uploads/u/one", png, "application/octet-stream");
        InputObjects.Head checked = objects.head("uploads/u/one").orElseThrow();
        assertEquals(png.length, checked.size());
        assertArrayEquals(Arrays.copyOf(png, 12), objects.firstBytes("uploads/u/one", 12, checked.etag()));

        objects.put("uploads/u/one", "#!/bin/sh\nrm -rf /\n".getBytes(StandardCharsets.UTF_8), "application/octet-stream");

        assertThrows(ImageRefusal.class, () -> objects.firstBytes("uploads/u/one", 12, checked.etag()));
        assertThrows(ImageRefusal.class, () -> objects.copy("uploads/u/one", "inputs/j/p", checked.etag(), "image/png"));
        assertEquals(Optional.empty(), objects.head("inputs/j/p"), "nothing was copied");
        InputObjects.Head now = objects.head("uploads/u/one").orElseThrow();
        objects.copy("uploads/u/one", "inputs/j/p", now.etag(), "image/png");
        assertTrue(objects.head("inputs/j/p").isPresent());
        assertEquals(Optional.empty(), objects.head("uploads/u/none"));
    }
}
