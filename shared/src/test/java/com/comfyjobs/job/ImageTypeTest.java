package com.comfyjobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.comfyjobs.testing.JobFixtures;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImageTypeTest {
    @Test
    void imagesAreKnownByTheirFirstBytes() {
        assertEquals(Optional.of(ImageType.PNG), ImageType.sniff(JobFixtures.image("png", 4)));
        assertEquals(Optional.of(ImageType.JPEG), ImageType.sniff(JobFixtures.image("jpeg", 4)));
        assertEquals(Optional.of(ImageType.WEBP), ImageType.sniff(Base64.getDecoder().decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")));
    }

    @Test
    void whatIsNotOneOfThemIsNothing() {
        assertEquals(Optional.empty(), ImageType.sniff(JobFixtures.image("gif", 4)));
        assertEquals(Optional.empty(), ImageType.sniff(JobFixtures.image("bmp", 4)));
        assertEquals(Optional.empty(), ImageType.sniff("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Optional.empty(), ImageType.sniff("RIFF\0\0\0\0WAVEfmt ".getBytes(StandardCharsets.ISO_8859_1)), "a RIFF that is not WebP");
        assertEquals(Optional.empty(), ImageType.sniff("root:x:0:0:root:/root:/bin/bash".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Optional.empty(), ImageType.sniff(new byte[] {(byte) 0x89, 'P', 'N'}), "too short to be sure");
        assertEquals(Optional.empty(), ImageType.sniff(new byte[0]));
    }

    @Test
    void contentTypesMapBack() {
        for (ImageType t : ImageType.values()) {
            assertEquals(Optional.of(t), ImageType.ofContentType(t.contentType()));
        }
        assertEquals(Optional.empty(), ImageType.ofContentType("image/gif"));
    }
}
