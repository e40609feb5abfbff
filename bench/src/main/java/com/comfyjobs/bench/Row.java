package com.comfyjobs.bench;

/**
 * One line of the results table: our path and the raw limit it is compared with, measured in the
 * same run, and their ratio. For times and bytes lower is better, so ratio = ours / raw (1.00 = at
 * the limit); for throughput ratio = raw / ours, so that in every row a bigger ratio means more
 * overhead.
 */
public record Row(String section, String what, String unit, double ours, double raw, String rawMeaning, String note) {
    public double ratio() {
        if (raw == 0 || Double.isNaN(raw) || Double.isNaN(ours)) {
            return Double.NaN;
        }
        return unit.endsWith("/s") ? raw / ours : ours / raw;
    }
}
