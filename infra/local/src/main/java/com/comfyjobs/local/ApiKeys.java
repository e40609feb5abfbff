package com.comfyjobs.local;

import com.comfyjobs.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code serve}'s callers: API keys from a file read once at start, one {@code key user [admin]} per
 * line ({@code #} comments and blank lines skipped). HTTP callers send {@code Authorization: Bearer key},
 * WebSocket clients {@code ?token=key}; no key or an unknown one is refused.
 *
 * <p>A lookup compares the presented key's SHA-256 with every key's, each with
 * {@link MessageDigest#isEqual} and without stopping at a match, so its time says nothing about how
 * much of a key was right or which line it is on.
 */
final class ApiKeys implements CallerIdentities {
    /** Shorter keys are guessable; the file is refused rather than served with one. */
    static final int MIN_KEY_LENGTH = 16;
    private static final String BEARER = "bearer ";

    private record Entry(byte[] digest, LocalCaller caller) {
    }

    private final List<Entry> entries;

    private ApiKeys(List<Entry> entries) {
        this.entries = entries;
    }

    /** Reads the file; a malformed line stops the start naming the file and the line. */
    static ApiKeys load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("--api-keys " + file + ": cannot be read (" + e.getMessage() + ")");
        }
        List<Entry> entries = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = "--api-keys " + file + " line " + (i + 1) + ": ";
            String[] words = line.split("\\s+");
            if (words.length < 2 || words.length > 3 || words.length == 3 && !words[2].equals("admin")) {
                throw new ConfigException(where + "expected 'key user' or 'key user admin'");
            }
            if (words[0].length() < MIN_KEY_LENGTH) {
                throw new ConfigException(where + "the key is shorter than " + MIN_KEY_LENGTH + " characters");
            }
            if (words[1].chars().anyMatch(Character::isISOControl) || words[1].length() > 128) {
                throw new ConfigException(where + "the user name must be at most 128 printable characters");
            }
            if (!keys.add(words[0])) {
                throw new ConfigException(where + "the key is on an earlier line too");
            }
            entries.add(new Entry(sha256(words[0]), new LocalCaller(words[1], words.length == 3)));
        }
        if (entries.isEmpty()) {
            throw new ConfigException("--api-keys " + file + ": no keys (one 'key user [admin]' per line)");
        }
        return new ApiKeys(List.copyOf(entries));
    }

    int size() {
        return entries.size();
    }

    @Override
    public Optional<LocalCaller> ofHttp(Function<String, String> header) {
        String authorization = header.apply("Authorization");
        if (authorization == null || !authorization.toLowerCase(Locale.ROOT).startsWith(BEARER)) {
            return Optional.empty();
        }
        return lookup(authorization.substring(BEARER.length()).strip());
    }

    @Override
    public Optional<LocalCaller> ofWebSocket(Function<String, String> queryParameter) {
        return lookup(queryParameter.apply("token"));
    }

    @Override
    public String howToCall() {
        return "API keys: 'Authorization: Bearer KEY' (WebSocket: ?token=KEY); " + entries.size() + " keys loaded";
    }

    @Override
    public String credential() {
        return "key";
    }

    private Optional<LocalCaller> lookup(String key) {
        if (key == null || key.isEmpty()) {
            return Optional.empty();
        }
        byte[] digest = sha256(key);
        LocalCaller found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.digest(), digest)) {
                found = e.caller();
            }
        }
        return Optional.ofNullable(found);
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
