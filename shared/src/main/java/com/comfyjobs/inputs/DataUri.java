package com.comfyjobs.inputs;

import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * An image carried in the request: {@code data:image/(png|jpeg|webp);base64,<data>}. The size is
 * judged from the text before anything is decoded, and the declared type is only a claim: the bytes
 * are sniffed like every other image.
 */
record DataUri(String declaredType, byte[] bytes) {
    private static final String BASE64 = ";base64,";

    /** The decoded image; an {@link ImageRefusal} says what is wrong with {@code uri}. */
    static DataUri parse(String uri, long maxBytes) {
        int comma = uri.indexOf(',');
        String header = comma < 0 ? "" : uri.substring(0, comma + 1).toLowerCase(Locale.ROOT);
        Optional<String> type = Optional.empty();
        for (String t : new String[] {"image/png", "image/jpeg", "image/webp"}) {
            if (header.equals("data:" + t + BASE64)) {
                type = Optional.of(t);
            }
        }
        if (type.isEmpty()) {
            throw new ImageRefusal("a data URI must start data:image/png;base64, data:image/jpeg;base64, or data:image/webp;base64,");
        }
        String data = uri.substring(comma + 1);
        long decodedAtLeast = data.length() / 4 * 3L - 2;
        if (decodedAtLeast > maxBytes) {
            throw new ImageRefusal("the data URI's image is larger than " + maxBytes + " bytes");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(data);
        } catch (IllegalArgumentException e) {
            throw new ImageRefusal("the data URI's data is not valid base64");
        }
        if (bytes.length > maxBytes) {
            throw new ImageRefusal("the data URI's image is larger than " + maxBytes + " bytes");
        }
        return new DataUri(type.get(), bytes);
    }
}
