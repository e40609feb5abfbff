package com.comfyjobs.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** A probe in a fresh JVM ({@link ColdStartProbe}, {@link CopyProbe}) reports its figures on one line that starts with a marker. */
final class ProbeRun {
    private ProbeRun() {
    }

    /**
     * Runs the probe to its end.
     *
     * @return the space-separated fields after the marker, from the last line of its output that starts with it
     * @throws IllegalStateException with {@code failure} when the probe fails or prints no such line
     */
    static String[] report(ProcessBuilder probe, String marker, String failure) throws Exception {
        Process p = probe.redirectErrorStream(true).start();
        String found = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith(marker)) {
                    found = line;
                }
            }
        }
        if (p.waitFor() != 0 || found == null) {
            throw new IllegalStateException(failure);
        }
        return found.substring(marker.length()).split(" ");
    }
}
