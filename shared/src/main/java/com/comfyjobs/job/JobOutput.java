package com.comfyjobs.job;

import java.util.Objects;

/**
 * A file ComfyUI reported for a node, as in its history or {@code executed} event. Only entries of
 * type {@code output} are deliverables; {@code temp} files are previews.
 */
public record JobOutput(String node, String filename, String subfolder, String type) {
    public JobOutput {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(filename, "filename");
        subfolder = subfolder == null ? "" : subfolder;
        type = type == null ? "output" : type;
    }

    public boolean isDeliverable() {
        return "output".equals(type);
    }

    /** Two reports of the same file are one output; used to merge repeated events. */
    public boolean sameFile(JobOutput other) {
        return node.equals(other.node) && filename.equals(other.filename)
                && subfolder.equals(other.subfolder) && type.equals(other.type);
    }
}
