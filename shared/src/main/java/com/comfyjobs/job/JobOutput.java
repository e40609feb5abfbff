package com.comfyjobs.job;

import java.util.Objects;

/**
 * A file ComfyUI reported for a node, as in its history or {@code executed} event. Only entries of
 * type {@code output} are deliverables; {@code temp} files are previews. Two reports of the same file
 * are equal, which is how repeated events merge.
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
}
