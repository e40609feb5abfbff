package com.comfyjobs.templates;

/**
 * One thing wrong with a request, where it is: an RFC 6901 JSON pointer into the request body
 * ({@code /params/width}) and a message. Neither repeats more than a short stretch of the caller's
 * text.
 */
public record FieldError(String pointer, String message) {
    private static final int MAX_TOKEN_CHARS = 64;
    private static final int MAX_MESSAGE_CHARS = 300;

    public FieldError {
        message = quoted(message, MAX_MESSAGE_CHARS);
    }

    /** A pointer made of these reference tokens, each escaped ({@code ~0}, {@code ~1}) and cut short. */
    public static String pointer(String... tokens) {
        StringBuilder p = new StringBuilder();
        for (String t : tokens) {
            p.append('/').append(quoted(t, MAX_TOKEN_CHARS).replace("~", "~0").replace("/", "~1"));
        }
        return p.toString();
    }

    /** Caller text fit to be repeated: control characters replaced, at most {@code max} characters. */
    public static String quoted(String text, int max) {
        String clean = text.replaceAll("\\p{Cntrl}", "?");
        return clean.length() > max ? clean.substring(0, max) + "..." : clean;
    }

    /** A name the caller sent, fit for a message. */
    public static String name(String text) {
        return quoted(text, MAX_TOKEN_CHARS);
    }
}
