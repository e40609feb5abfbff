package com.comfyjobs.job;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ComfyUI prompt ids are ours: {@code <jobId>_<attempt>}. ComfyUI accepts any caller-chosen prompt id
 * and checks none for duplicates, so each attempt gets its own id; an event's prompt id then names its
 * job and attempt without a lookup, and events of a superseded attempt are recognisable as such.
 */
public final class PromptIds {
    private static final Pattern FORMAT = Pattern.compile(
            "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([1-9][0-9]{0,3})");

    public record Parsed(String jobId, int attempt) {
    }

    private PromptIds() {
    }

    public static String newJobId() {
        return UUID.randomUUID().toString();
    }

    public static String of(String jobId, int attempt) {
        return jobId + "_" + attempt;
    }

    /** Empty for prompt ids that are not ours (another client of the same ComfyUI). */
    public static Optional<Parsed> parse(String promptId) {
        if (promptId == null) {
            return Optional.empty();
        }
        Matcher m = FORMAT.matcher(promptId);
        return m.matches() ? Optional.of(new Parsed(m.group(1), Integer.parseInt(m.group(2)))) : Optional.empty();
    }

    /** Job ids in URLs: anything else is answered like an unknown id, without touching the store. */
    public static boolean isJobId(String s) {
        return s != null && s.length() == 36 && FORMAT.matcher(s + "_1").matches();
    }
}
