package com.comfyjobs.templates;

import java.util.regex.Pattern;

/**
 * What a template may be called: 1 to 64 lower-case letters, digits, '-' and '_', starting with a
 * letter or digit. A name is part of URLs and Redis keys, so nothing else is taken, and the refusal
 * repeats only a short, cleaned stretch of what was sent.
 */
public final class TemplateNames {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    private TemplateNames() {
    }

    public static boolean isValid(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** {@code name} when it is a template name; else a 400 that says what a name is. */
    public static String check(String name) {
        if (!isValid(name)) {
            throw new TemplateRefusedException(TemplateRefusedException.Reason.INVALID_NAME, "'"
                    + FieldError.name(name == null ? "" : name) + "' is not a template name: 1 to 64 of a-z, 0-9, '-' and '_',"
                    + " starting with a letter or digit");
        }
        return name;
    }
}
