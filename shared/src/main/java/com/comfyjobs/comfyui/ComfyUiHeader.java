package com.comfyjobs.comfyui;

import com.comfyjobs.config.ConfigException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The one header sent on every ComfyUI call, written {@code Name: value} (a proxy's bearer token).
 * Its text is asked for on every call (from Secrets Manager it comes through a cache with a TTL) and
 * parsed again only when it changes, so a rotated token reaches every warm container within the TTL.
 */
public final class ComfyUiHeader {
    private static final ComfyUiHeader NONE = new ComfyUiHeader(null, "none");

    private final Supplier<String> text;
    private final String variable;
    private volatile Parsed parsed;

    private record Parsed(String text, Map.Entry<String, String> header) {
    }

    private ComfyUiHeader(Supplier<String> text, String variable) {
        this.text = text;
        this.variable = variable;
    }

    public static ComfyUiHeader none() {
        return NONE;
    }

    /** A header that never changes. */
    public static ComfyUiHeader of(String name, String value) {
        return from(() -> name + ": " + value, "the ComfyUI header");
    }

    /**
     * Reads and checks the header at once, so a malformed one fails at start.
     *
     * @param variable the configuration variable the text comes from, named in errors
     */
    public static ComfyUiHeader from(Supplier<String> text, String variable) {
        ComfyUiHeader h = new ComfyUiHeader(text, variable);
        h.current();
        return h;
    }

    /**
     * The header to send now; empty when none is configured.
     *
     * @throws ConfigException when its current text is not {@code Name: value}
     * @throws com.comfyjobs.secrets.SecretUnavailableException when it cannot be read
     */
    public Optional<Map.Entry<String, String>> current() {
        if (text == null) {
            return Optional.empty();
        }
        String t = text.get();
        Parsed p = parsed;
        if (p == null || !p.text().equals(t)) {
            p = new Parsed(t, parse(t, variable));
            parsed = p;
        }
        return Optional.of(p.header());
    }

    private static Map.Entry<String, String> parse(String header, String variable) {
        int colon = header == null ? -1 : header.indexOf(':');
        if (colon <= 0 || colon == header.length() - 1 || !header.substring(0, colon).trim().matches("[A-Za-z0-9-]+")
                || header.substring(colon + 1).trim().isEmpty()) {
            throw new ConfigException(variable + " must look like 'Authorization: Bearer <token>'");
        }
        return Map.entry(header.substring(0, colon).trim(), header.substring(colon + 1).trim());
    }

    @Override
    public String toString() {
        return text == null ? "none" : "from " + variable + " (value not shown)";
    }
}
