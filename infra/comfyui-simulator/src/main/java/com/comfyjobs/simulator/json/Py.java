package com.comfyjobs.simulator.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Python's {@code str()}, {@code repr()}, {@code int()} and {@code float()} applied to JSON values, so
 * that validation messages read exactly as ComfyUI's f-strings render them.
 */
public final class Py {
    private static final Pattern INT_LITERAL = Pattern.compile("[+-]?[0-9]+");
    private static final Pattern FLOAT_LITERAL = Pattern.compile(
            "[+-]?(([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan))");

    private Py() {
    }

    /** {@code str(value)}. */
    public static String str(JsonNode value) {
        return value.isTextual() ? value.textValue() : repr(value);
    }

    /** {@code repr(value)}. */
    public static String repr(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return "None";
        }
        if (value.isBoolean()) {
            return value.booleanValue() ? "True" : "False";
        }
        if (value.isIntegralNumber()) {
            return value.bigIntegerValue().toString();
        }
        if (value.isNumber()) {
            return floatRepr(value.doubleValue());
        }
        if (value.isTextual()) {
            return stringRepr(value.textValue());
        }
        StringBuilder out = new StringBuilder();
        if (value.isArray()) {
            out.append('[');
            Iterator<JsonNode> items = value.elements();
            while (items.hasNext()) {
                out.append(repr(items.next()));
                if (items.hasNext()) {
                    out.append(", ");
                }
            }
            return out.append(']').toString();
        }
        out.append('{');
        Iterator<Map.Entry<String, JsonNode>> fields = value.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            out.append(stringRepr(field.getKey())).append(": ").append(repr(field.getValue()));
            if (fields.hasNext()) {
                out.append(", ");
            }
        }
        return out.append('}').toString();
    }

    /** {@code repr(list_of_str)}, as ComfyUI prints combo options. */
    public static String listRepr(List<String> values) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(", ");
            }
            out.append(stringRepr(values.get(i)));
        }
        return out.append(']').toString();
    }

    /** Python's shortest round-trip float repr: 8.0, 0.0001, 1e-05, 1e+16, inf, nan. */
    public static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        String sign = (d < 0 || (d == 0 && 1 / d < 0)) ? "-" : "";
        BigDecimal value = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        if (value.signum() == 0) {
            return sign + "0.0";
        }
        String digits = value.unscaledValue().toString();
        int exponent = digits.length() - 1 - value.scale();
        if (exponent >= -4 && exponent < 16) {
            String plain = value.toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }

    /** {@code repr(str)}: single quotes unless the text holds one and no double quote. */
    public static String stringRepr(String text) {
        char quote = text.indexOf('\'') >= 0 && text.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder().append(quote);
        text.codePoints().forEach(cp -> {
            if (cp == quote || cp == '\\') {
                out.append('\\').appendCodePoint(cp);
            } else if (cp == '\n') {
                out.append("\\n");
            } else if (cp == '\r') {
                out.append("\\r");
            } else if (cp == '\t') {
                out.append("\\t");
            } else if (cp < 0x20 || cp == 0x7f) {
                out.append(String.format("\\x%02x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.append(quote).toString();
    }

    /** {@code int(value)}; the exception carries CPython's message. */
    public static BigInteger toInt(JsonNode value) throws PyException {
        if (value.isBoolean()) {
            return value.booleanValue() ? BigInteger.ONE : BigInteger.ZERO;
        }
        if (value.isIntegralNumber()) {
            return value.bigIntegerValue();
        }
        if (value.isNumber()) {
            double d = value.doubleValue();
            if (Double.isNaN(d)) {
                throw new PyException("ValueError", "cannot convert float NaN to integer", List.of());
            }
            if (Double.isInfinite(d)) {
                throw new PyException("OverflowError", "cannot convert float infinity to integer", List.of());
            }
            return new BigDecimal(d).toBigInteger();
        }
        if (value.isTextual()) {
            String text = value.textValue().strip().replace("_", "");
            if (INT_LITERAL.matcher(text).matches()) {
                return new BigInteger(text.startsWith("+") ? text.substring(1) : text);
            }
            throw new PyException("ValueError",
                    "invalid literal for int() with base 10: " + stringRepr(value.textValue()), List.of());
        }
        throw new PyException("TypeError",
                "int() argument must be a string, a bytes-like object or a real number, not '" + typeName(value) + "'",
                List.of());
    }

    /** {@code float(value)}; the exception carries CPython's message. */
    public static double toFloat(JsonNode value) throws PyException {
        if (value.isBoolean()) {
            return value.booleanValue() ? 1.0 : 0.0;
        }
        if (value.isNumber()) {
            return value.doubleValue();
        }
        if (value.isTextual()) {
            String text = value.textValue().strip();
            if (FLOAT_LITERAL.matcher(text).matches()) {
                String lower = text.toLowerCase();
                if (lower.endsWith("nan")) {
                    return Double.NaN;
                }
                if (lower.endsWith("inf") || lower.endsWith("infinity")) {
                    return lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                }
                return Double.parseDouble(text);
            }
            throw new PyException("ValueError",
                    "could not convert string to float: " + stringRepr(value.textValue()), List.of());
        }
        throw new PyException("TypeError",
                "float() argument must be a string or a real number, not '" + typeName(value) + "'", List.of());
    }

    /** Python truthiness: null, false, 0, "", [] and {} are false. */
    public static boolean truthy(JsonNode value) {
        if (value == null || value.isNull()) {
            return false;
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isNumber()) {
            return value.doubleValue() != 0;
        }
        if (value.isTextual()) {
            return !value.textValue().isEmpty();
        }
        return value.size() > 0;
    }

    /** Python's name of the type json.loads gives this value. */
    public static String typeName(JsonNode value) {
        if (value == null || value.isNull()) {
            return "NoneType";
        }
        if (value.isBoolean()) {
            return "bool";
        }
        if (value.isIntegralNumber()) {
            return "int";
        }
        if (value.isNumber()) {
            return "float";
        }
        if (value.isTextual()) {
            return "str";
        }
        return value.isArray() ? "list" : "dict";
    }
}
