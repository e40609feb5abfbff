package com.comfyjobs.job;

import java.util.Locale;

/** What a job does; decides its maximum runtime. */
public enum JobType {
    IMAGE_GENERATION,
    LORA_TRAINING,
    FACE_SWAP,
    OTHER;

    private final String wire = name().toLowerCase(Locale.ROOT);

    public String wire() {
        return wire;
    }

    /** Parses a wire name; an unknown name is an error, never silently {@link #OTHER}. */
    public static JobType fromWire(String value) {
        if (value != null) {
            for (JobType t : values()) {
                if (t.wire.equals(value)) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException("unknown job type '" + value + "'");
    }
}
