package com.comfyjobs.artifacts;

import java.util.ArrayList;
import java.util.List;

/**
 * Object keys: {@code artifacts/{userId}/{jobId}/{attempt}/{node}/[{subfolder}/]{filename}}. The same
 * output of the same attempt always gets the same key, so a copy that is repeated (a retry, recovery
 * finishing what a webhook started) overwrites instead of duplicating. Segments are reduced to a safe
 * alphabet so no user-influenced value can add path levels or reach another prefix.
 */
public final class ArtifactKeys {
    private ArtifactKeys() {
    }

    public static String key(String userId, String jobId, int attempt, String node, String subfolder, String filename) {
        List<String> parts = new ArrayList<>(List.of("artifacts", segment(userId), segment(jobId), Integer.toString(attempt), segment(node)));
        if (subfolder != null && !subfolder.isEmpty()) {
            for (String s : subfolder.split("/")) {
                if (!s.isEmpty()) {
                    parts.add(segment(s));
                }
            }
        }
        parts.add(segment(filename));
        return String.join("/", parts);
    }

    /** Letters, digits and {@code . _ - @ +} stay; anything else (slashes, dots-only names) becomes '_'. */
    static String segment(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-' || c == '@' || c == '+';
            b.append(safe ? c : '_');
        }
        String out = b.toString();
        if (out.isEmpty() || out.chars().allMatch(c -> c == '.')) {
            return "_" + out;
        }
        return out.length() > 200 ? out.substring(0, 200) : out;
    }
}
