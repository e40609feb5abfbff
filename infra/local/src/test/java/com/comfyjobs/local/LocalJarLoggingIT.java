package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's first command, {@code java -jar infra/local/target/comfyjobs-local.jar}, in a fresh JVM
 * as a fresh clone runs it: it comes up without an SLF4J warning (no provider, or several), and what
 * it logs on the way, the libraries' lines included, are JSON lines.
 */
class LocalJarLoggingIT {
    private static final Path JAR = Path.of("target", "comfyjobs-local.jar");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void startsWithoutAnSlf4jWarningAndLogsJsonLines() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString(), "--port", "0", "--ws-port", "0")).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("REDIS") || k.startsWith("S3_") || k.startsWith("COMFYUI") || k.equals("JOB_STORE_TYPE")
                || k.contains("LOG_LEVEL"));
        Process p = pb.start();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
        // a stack that never comes up ends the read below instead of hanging the build
        watchdog.schedule(p::destroyForcibly, 2, TimeUnit.MINUTES);
        StringBuilder output = new StringBuilder();
        boolean up = false;
        int jsonLines = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (!up && (line = r.readLine()) != null) {
                output.append(line).append('\n');
                up = line.contains("ComfyJobs local stack is up");
                if (line.startsWith("{")) {
                    JsonNode n = JSON.readTree(line);
                    assertTrue(n.hasNonNull("level") && n.hasNonNull("logger") && n.hasNonNull("msg"), line);
                    jsonLines++;
                }
            }
        } finally {
            p.destroy();
            p.waitFor();
            watchdog.shutdownNow();
        }
        assertTrue(up, output.toString());
        assertFalse(output.toString().contains("SLF4J"), output.toString());
        assertTrue(jsonLines > 0, "the template publishes log their lines: " + output);
    }
}
