package com.comfyjobs.inputs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.comfyjobs.testing.JobFixtures;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataUriTest {
    private static String refusal(String uri, long max) {
        return assertThrows(ImageRefusal.class, () -> DataUri.parse(uri, max)).getMessage();
    }

    @Test
    void theThreeImageTypesDecode() {
        byte[] png = JobFixtures.image("png", 8);
        DataUri uri = DataUri.parse("data:image/png;base64," + Base64.getEncoder().encodeToString(png), 1 << 20);
        assertEquals("image/png", uri.declaredType());
        assertArrayEquals(png, uri.bytes());
        assertEquals("image/jpeg", DataUri.parse("DATA:IMAGE/JPEG;BASE64,/9j/", 100).declaredType(), "scheme and type are case-insensitive");
        assertEquals("image/webp", DataUri.parse("data:image/webp;base64,UklGRg==", 100).declaredType());
    }

    @Test
    void otherFormsAreRefusedWithTheFormsThatWork() {
        for (String uri : List.of("data:image/gif;base64,R0lGOD", "data:text/plain;base64,aGk=", "data:image/png,rawbytes",
                "data:image/png;charset=utf-8;base64,aGk=", "data:;base64,aGk=", "data:image/svg+xml;base64,PHN2Zz4=", "data:image/png;base64")) {
            assertEquals("a data URI must start data:image/png;base64, data:image/jpeg;base64, or data:image/webp;base64,", refusal(uri, 100), uri);
        }
        assertEquals("the data URI's data is not valid base64", refusal("data:image/png;base64,not base64!", 100));
        assertEquals("the data URI's data is not valid base64", refusal("data:image/png;base64,aGk=\naGk=", 100));
    }

    @Test
    void theSizeCapIsJudgedBeforeDecodingAndExactlyAfter() {
        assertEquals("the data URI's image is larger than 1000 bytes", refusal("data:image/png;base64," + "A".repeat(4000), 1000),
                "text that decodes to more than the cap is refused without decoding it");
        String exactly = Base64.getEncoder().encodeToString(new byte[1000]);
        assertEquals(1000, DataUri.parse("data:image/png;base64," + exactly, 1000).bytes().length);
        String oneMore = Base64.getEncoder().encodeToString(new byte[1001]);
        assertEquals("the data URI's image is larger than 1000 bytes", refusal("data:image/png;base64," + oneMore, 1000));
    }
}
