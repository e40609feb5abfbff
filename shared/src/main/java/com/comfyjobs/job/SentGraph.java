package com.comfyjobs.job;

import java.util.Objects;

/**
 * What a job keeps of the graph it sent to ComfyUI for one attempt: the attempt and the SHA-256 of the
 * graph's canonical form. ComfyUI takes any prompt id from anyone and runs every prompt sent under it,
 * so the finalizer takes a prompt's outputs only when the graph ComfyUI's history shows under the
 * job's prompt id hashes to this, for the job's current attempt.
 */
public record SentGraph(int attempt, String sha256) {
    public SentGraph {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt starts at 1, was " + attempt);
        }
        Objects.requireNonNull(sha256, "sha256");
        if (!sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not a hex SHA-256: " + sha256);
        }
    }

    /** {@code <attempt>:<sha256>}, as stored. */
    public String stored() {
        return attempt + ":" + sha256;
    }

    /** Reads what {@link #stored()} wrote. */
    public static SentGraph fromStored(String s) {
        int colon = s.indexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("not <attempt>:<sha256>: " + s);
        }
        return new SentGraph(Integer.parseInt(s.substring(0, colon)), s.substring(colon + 1));
    }

    /** True when this is the graph sent for {@code job}'s current attempt. */
    public boolean isFor(Job job) {
        return attempt == job.attempt();
    }
}
