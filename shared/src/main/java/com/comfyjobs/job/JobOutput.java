package com.comfyjobs.job;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Objects;

/**
 * A file ComfyUI reported for a node, as in its history or {@code executed} event. Only entries of
 * type {@code output} are deliverables; {@code temp} files are previews. Two reports of the same file
 * are equal, which is how repeated events merge.
 */
public record JobOutput(String node, String filename, String subfolder, String type) {
    /**
     * The largest list of outputs one job keeps, as stored (JSON). With the cap on their number it
     * bounds the work of every later change to the job: one script reads the whole list.
     */
    public static final int LIST_MAX_BYTES = 256 * 1024;

    public JobOutput {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(filename, "filename");
        subfolder = subfolder == null ? "" : subfolder;
        type = type == null ? "output" : type;
    }

    public boolean isDeliverable() {
        return "output".equals(type);
    }

    /** The size of these outputs as a stored JSON list, as transition.lua measures it. */
    public static long listBytes(Collection<JobOutput> outputs) {
        long bytes = 2;
        for (JobOutput o : outputs) {
            bytes += 48 + utf8(o.node) + utf8(o.filename) + utf8(o.subfolder) + utf8(o.type);
        }
        return bytes;
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
