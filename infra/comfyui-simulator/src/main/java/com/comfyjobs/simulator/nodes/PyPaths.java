package com.comfyjobs.simulator.nodes;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Python's posixpath semantics that ComfyUI's path checks rely on: {@code os.path.normpath},
 * {@code join} (an absolute part discards what precedes it) and the {@code commonpath} containment test.
 */
public final class PyPaths {
    private PyPaths() {
    }

    public static String normpath(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        String prefix = path.startsWith("//") && !path.startsWith("///") ? "//" : path.startsWith("/") ? "/" : "";
        Deque<String> parts = new ArrayDeque<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (!part.equals("..") || (prefix.isEmpty() && parts.isEmpty()) || (!parts.isEmpty() && parts.peekLast().equals(".."))) {
                parts.addLast(part);
            } else if (!parts.isEmpty()) {
                parts.removeLast();
            }
        }
        String joined = prefix + String.join("/", parts);
        return joined.isEmpty() ? "." : joined;
    }

    public static String dirname(String path) {
        int slash = path.lastIndexOf('/');
        if (slash < 0) {
            return "";
        }
        String head = path.substring(0, slash + 1);
        String trimmed = head.replaceAll("/+$", "");
        return trimmed.isEmpty() ? head : trimmed;
    }

    public static String basename(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** {@code os.path.abspath(os.path.join(base, relative))} for an absolute base. */
    public static Path resolve(Path base, String relative) {
        String joined = relative.startsWith("/") ? relative : base.toString() + "/" + relative;
        return Path.of(normpath(joined));
    }

    /** ComfyUI's {@code os.path.commonpath((base, path)) == base}: is {@code path} base or inside it. */
    public static boolean inside(Path base, Path path) {
        return path.normalize().startsWith(base.normalize());
    }
}
