package com.comfyjobs.job;

import java.util.Objects;

/** An output copied to the artifact bucket: its object key, name, content type and size in bytes. */
public record JobArtifact(String key, String filename, String contentType, long size) {
    public JobArtifact {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(contentType, "contentType");
    }
}
