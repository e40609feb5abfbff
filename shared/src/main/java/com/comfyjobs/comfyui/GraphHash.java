package com.comfyjobs.comfyui;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The SHA-256 of a ComfyUI graph (API format) in a canonical form, so that the graph we sent and the
 * one ComfyUI's history shows for the prompt hash alike when they are the same graph. ComfyUI parses
 * what it is sent with Python's json, writes back into the graph the input values it converted while
 * validating, and serves it again through Python's json.dumps. What that changes, and the canonical
 * form therefore ignores:
 * <ul>
 * <li>key order and whitespace: keys are sorted, nothing else is written;
 * <li>how a number is spelled: a number is its value ({@code 8}, {@code 8.0}, {@code 8e0} are one);
 *     a fraction or an exponent is a Python float, read as a double as Python reads it;
 * <li>string escapes ({@code "\u00e9"} or {@code "é"}): strings are their characters;
 * <li>a node input given as {@code {"__value__": v}}, which validation unwraps to {@code v};
 * <li>a node input value ComfyUI converted between number and text ({@code "8"} for an INT input
 *     becomes {@code 8}, {@code 8} for a STRING input becomes {@code "8"}): a node input that is a
 *     number, or text spelled as a JSON number, is that number.
 * </ul>
 * A value ComfyUI changes beyond that (a fraction given to an INT input, which it truncates) makes the
 * two differ. Everything else counts: node ids, class types, links, every other value.
 */
public final class GraphHash {
    private static final Pattern NUMBER_TEXT = Pattern.compile("-?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?");
    private static final byte OBJECT = '{';
    private static final byte ARRAY = '[';
    private static final byte STRING = 's';
    private static final byte NUMBER = 'n';
    private static final byte TRUE = 't';
    private static final byte FALSE = 'f';
    private static final byte NULL = 'z';

    private GraphHash() {
    }

    /** Hex SHA-256 of the canonical form of {@code graph}, an object of nodes. */
    public static String of(JsonNode graph) {
        MessageDigest digest = sha256();
        Canonical out = new Canonical(digest);
        out.tag(OBJECT);
        for (Map.Entry<String, JsonNode> node : sorted(graph)) {
            out.string(node.getKey());
            node(out, node.getValue());
        }
        out.end();
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void node(Canonical out, JsonNode node) {
        if (!node.isObject()) {
            value(out, node);
            return;
        }
        out.tag(OBJECT);
        for (Map.Entry<String, JsonNode> field : sorted(node)) {
            out.string(field.getKey());
            if ("inputs".equals(field.getKey()) && field.getValue().isObject()) {
                inputs(out, field.getValue());
            } else {
                value(out, field.getValue());
            }
        }
        out.end();
    }

    private static void inputs(Canonical out, JsonNode inputs) {
        out.tag(OBJECT);
        for (Map.Entry<String, JsonNode> input : sorted(inputs)) {
            out.string(input.getKey());
            JsonNode v = input.getValue();
            if (v.isObject() && v.has("__value__")) {
                v = v.get("__value__");
            }
            if (v.isNumber()) {
                out.number(number(v));
            } else if (v.isTextual() && NUMBER_TEXT.matcher(v.textValue()).matches()) {
                out.number(number(v.textValue()));
            } else {
                value(out, v);
            }
        }
        out.end();
    }

    private static void value(Canonical out, JsonNode v) {
        switch (v.getNodeType()) {
            case OBJECT -> {
                out.tag(OBJECT);
                for (Map.Entry<String, JsonNode> field : sorted(v)) {
                    out.string(field.getKey());
                    value(out, field.getValue());
                }
                out.end();
            }
            case ARRAY -> {
                out.tag(ARRAY);
                for (JsonNode item : v) {
                    value(out, item);
                }
                out.end();
            }
            case STRING -> out.string(v.textValue());
            case NUMBER -> out.number(number(v));
            case BOOLEAN -> out.tag(v.booleanValue() ? TRUE : FALSE);
            default -> out.tag(NULL);
        }
    }

    private static List<Map.Entry<String, JsonNode>> sorted(JsonNode object) {
        List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
        object.fields().forEachRemaining(fields::add);
        fields.sort(Map.Entry.comparingByKey());
        return fields;
    }

    /** An integer exactly (Python's int); anything with a fraction or exponent as the double Python's float reads. */
    private static String number(JsonNode n) {
        if (n.isIntegralNumber()) {
            return normalized(new BigDecimal(n.bigIntegerValue()));
        }
        double d = n.isBigDecimal() ? Double.parseDouble(n.decimalValue().toString()) : n.doubleValue();
        return number(d);
    }

    private static String number(String text) {
        if (text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0) {
            return normalized(new BigDecimal(new BigInteger(text)));
        }
        return number(Double.parseDouble(text));
    }

    private static String number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return Double.toString(d);
        }
        return normalized(BigDecimal.valueOf(d));
    }

    private static String normalized(BigDecimal d) {
        return d.signum() == 0 ? "0" : d.stripTrailingZeros().toString();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    /**
     * The canonical form goes straight into the digest, unambiguously: a tag per value, strings as
     * their length and UTF-16 units (a lone surrogate included), numbers as their normalized text.
     */
    private static final class Canonical {
        private final MessageDigest digest;

        Canonical(MessageDigest digest) {
            this.digest = digest;
        }

        void tag(byte t) {
            digest.update(t);
        }

        void end() {
            digest.update((byte) ')');
        }

        void string(String s) {
            digest.update(STRING);
            intValue(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                digest.update((byte) (c >> 8));
                digest.update((byte) c);
            }
        }

        void number(String normalized) {
            digest.update(NUMBER);
            digest.update(normalized.getBytes(StandardCharsets.US_ASCII));
            digest.update((byte) ';');
        }

        private void intValue(int v) {
            digest.update((byte) (v >>> 24));
            digest.update((byte) (v >>> 16));
            digest.update((byte) (v >>> 8));
            digest.update((byte) v);
        }
    }
}
