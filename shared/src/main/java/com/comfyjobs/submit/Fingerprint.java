package com.comfyjobs.submit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;

/**
 * The fingerprint of a payload for idempotency: SHA-256 of its JSON with object keys sorted, so the
 * same request sent with another key order or whitespace is recognised as the same.
 */
final class Fingerprint {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Fingerprint() {
    }

    public static String of(String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                sha.update(p.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    public static String canonical(JsonNode n) {
        try {
            return JSON.writeValueAsString(sorted(n));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode sorted(JsonNode n) {
        if (n.isObject()) {
            ObjectNode out = JSON.createObjectNode();
            List<String> names = new ArrayList<>();
            Iterator<String> it = n.fieldNames();
            it.forEachRemaining(names::add);
            names.sort(null);
            for (String k : names) {
                out.set(k, sorted(n.get(k)));
            }
            return out;
        }
        if (n.isArray()) {
            ArrayNode out = JSON.createArrayNode();
            n.forEach(e -> out.add(sorted(e)));
            return out;
        }
        return n;
    }
}
