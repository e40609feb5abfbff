package com.comfyjobs.templates;

import java.util.Locale;
import java.util.Optional;

/**
 * What a param means to ComfyJobs, marked in its schema as {@code "x-comfyjobs": "<marker>"} (each at
 * most once per template): the seed, filled with a random value when a job leaves it out and recorded
 * on the job; and the image's width, height and batch size, which the template's limits are checked
 * against.
 */
public enum ParamMarker {
    SEED,
    WIDTH,
    HEIGHT,
    BATCH;

    /** The schema keyword that carries a marker. */
    public static final String KEYWORD = "x-comfyjobs";

    private final String wire = name().toLowerCase(Locale.ROOT);

    public String wire() {
        return wire;
    }

    public static Optional<ParamMarker> fromWire(String value) {
        for (ParamMarker m : values()) {
            if (m.wire.equals(value)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }
}
