package com.comfyjobs.bench;

import java.util.Arrays;

/** Latency samples in nanoseconds, summarised. */
final class Percentiles {
    private final long[] sorted;

    Percentiles(long[] nanos) {
        sorted = nanos.clone();
        Arrays.sort(sorted);
    }

    double millis(double percentile) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1_000_000.0;
    }
}
