package com.comfyjobs.job;

import java.util.Locale;

/**
 * How a job's callbacks stand, as GET shows it: a delivery is waiting or being retried
 * ({@code pending}), or the last one was {@code delivered}, given up after its last try
 * ({@code failed}), or answered 410 Gone, which ends every callback of the job ({@code stopped}).
 */
public enum CallbackStatus {
    PENDING,
    DELIVERED,
    FAILED,
    STOPPED;

    private final String wire = name().toLowerCase(Locale.ROOT);

    public String wire() {
        return wire;
    }

    public static CallbackStatus fromWire(String s) {
        for (CallbackStatus c : values()) {
            if (c.wire.equals(s)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown callback status: " + s);
    }
}
