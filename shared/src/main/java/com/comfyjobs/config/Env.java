package com.comfyjobs.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Typed, validated reads of environment variables. Every read names its variable in the error, so a
 * bad deployment fails at start with a message that says what to fix.
 */
public final class Env {
    private final Map<String, String> vars;

    public Env(Map<String, String> vars) {
        this.vars = Map.copyOf(Objects.requireNonNull(vars, "vars"));
    }

    public static Env system() {
        return new Env(System.getenv());
    }

    /** A copy with some variables replaced; for tests and the local stack. */
    public Env with(Map<String, String> overrides) {
        Map<String, String> merged = new java.util.HashMap<>(vars);
        merged.putAll(overrides);
        return new Env(merged);
    }

    public String raw(String name) {
        String v = vars.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    public String string(String name, String defaultValue) {
        String v = raw(name);
        return v == null ? defaultValue : v;
    }

    public String required(String name) {
        String v = raw(name);
        if (v == null) {
            throw new ConfigException(name + " is required but not set");
        }
        return v;
    }

    public int integer(String name, int defaultValue, int min, int max) {
        String v = raw(name);
        if (v == null) {
            return defaultValue;
        }
        try {
            int i = Integer.parseInt(v);
            if (i < min || i > max) {
                throw new ConfigException(name + " must be between " + min + " and " + max + ", was " + i);
            }
            return i;
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " must be an integer, was '" + v + "'");
        }
    }

    public boolean bool(String name, boolean defaultValue) {
        String v = raw(name);
        if (v == null) {
            return defaultValue;
        }
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true":
            case "1":
            case "yes":
                return true;
            case "false":
            case "0":
            case "no":
                return false;
            default:
                throw new ConfigException(name + " must be true or false, was '" + v + "'");
        }
    }

    /** Milliseconds as an integer; a duration variable's name ends in _MS by convention. */
    public Duration millis(String name, Duration defaultValue, Duration min, Duration max) {
        String v = raw(name);
        if (v == null) {
            return defaultValue;
        }
        try {
            Duration d = Duration.ofMillis(Long.parseLong(v));
            return checkRange(name, d, min, max);
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " must be a whole number of milliseconds, was '" + v + "'");
        }
    }

    public Duration seconds(String name, Duration defaultValue, Duration min, Duration max) {
        String v = raw(name);
        if (v == null) {
            return defaultValue;
        }
        try {
            return checkRange(name, Duration.ofSeconds(Long.parseLong(v)), min, max);
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " must be a whole number of seconds, was '" + v + "'");
        }
    }

    /** An ISO-8601 duration such as PT10M. */
    public Duration isoDuration(String name, Duration defaultValue, Duration min, Duration max) {
        String v = raw(name);
        if (v == null) {
            return defaultValue;
        }
        try {
            return checkRange(name, Duration.parse(v), min, max);
        } catch (DateTimeParseException e) {
            throw new ConfigException(name + " must be an ISO-8601 duration such as PT10M, was '" + v + "'");
        }
    }

    public URI uri(String name, String defaultValue, String... schemes) {
        String v = string(name, defaultValue);
        if (v == null) {
            return null;
        }
        return parseUri(name, v, schemes);
    }

    /** A comma-separated list of URIs; blank entries are ignored. */
    public List<URI> uris(String name, String defaultValue, String... schemes) {
        String v = string(name, defaultValue);
        List<URI> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        for (String part : v.split(",")) {
            if (!part.isBlank()) {
                out.add(parseUri(name, part.trim(), schemes));
            }
        }
        return out;
    }

    private static URI parseUri(String name, String v, String... schemes) {
        try {
            URI uri = new URI(v);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (schemes.length > 0 && !List.of(schemes).contains(scheme)) {
                throw new ConfigException(name + " must use " + String.join(" or ", schemes) + "://, was '" + redact(uri) + "'");
            }
            if (uri.getHost() == null) {
                throw new ConfigException(name + " has no host: '" + redact(uri) + "'");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new ConfigException(name + " is not a valid URL");
        }
    }

    /** Never echo credentials embedded in a URL into logs or errors. */
    public static String redact(URI uri) {
        if (uri.getUserInfo() == null) {
            return uri.toString();
        }
        return uri.toString().replace(uri.getRawUserInfo() + "@", "***@");
    }

    private static Duration checkRange(String name, Duration d, Duration min, Duration max) {
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new ConfigException(name + " must be between " + min + " and " + max + ", was " + d);
        }
        return d;
    }
}
