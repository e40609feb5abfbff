package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.servers.FreePorts;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.comfyjobs.simulator.WebhookOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} as its own process (the shaded jar the package phase built) in front of a ComfyUI
 * simulator standing in for the GPU box: jobs queued, running and finalizing when the process is
 * killed with {@code kill -9} all end, with their artifacts, once it is started again on the same
 * SQLite file and data directory, as recovery reconciles them against ComfyUI.
 */
class ServeRestartIT {
    private static final Path JAR = Path.of("target", "comfyjobs-local.jar");
    private static final String KEY = "serve-restart-it-key-0123456789";
    private static final Duration LIMIT = Duration.ofSeconds(40);

    @TempDir
    Path dir;
    private ComfyUiSimulator comfyUi;
    private Process serve;

    @AfterEach
    void stop() throws InterruptedException {
        if (serve != null) {
            serve.destroyForcibly().waitFor();
        }
        if (comfyUi != null) {
            comfyUi.close();
        }
    }

    @Test
    void jobsQueuedRunningAndFinalizingWhenTheProcessIsKilledEndAfterARestartOnTheSameFile() throws Exception {
        int port = FreePorts.any();
        int wsPort = FreePorts.any();
        String secret = "whsec_" + Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));
        comfyUi = ComfyUiSimulator.builder().host("127.0.0.1").port(0).stepMillis(50)
                .outputDir(Files.createDirectories(dir.resolve("gpu-box-output")))
                .webhook(WebhookOptions.builder().url(URI.create("http://127.0.0.1:" + port + "/webhooks/comfyui")).secret(secret)
                        .maxAttempts(3).initialBackoffMillis(100).maxBackoffMillis(200).build())
                .build().start();
        Files.writeString(dir.resolve("keys"), "# the operator's key\n" + KEY + " operator admin\n");
        Api api = Api.withKeys(URI.create("http://127.0.0.1:" + port), Map.of("operator", KEY));

        serve = start(port, wsPort, secret, "first");
        awaitUp(api, "first");

        comfyUi.faults().view404(true);
        String finalizing = submit(api, 1, 2);
        api.await("operator", finalizing, Api.status("finalizing"), LIMIT, null);
        String running = submit(api, 2, 80);
        api.await("operator", running, j -> "running".equals(j.path("status").asText()) && j.path("progress").asDouble() > 0, LIMIT, null);
        String queued = submit(api, 3, 2);
        assertEquals("queued", api.get("operator", queued).body().path("status").asText());

        serve.destroyForcibly().waitFor();
        comfyUi.faults().view404(false);
        serve = start(port, wsPort, secret, "second");
        awaitUp(api, "second");

        for (String job : List.of(finalizing, running, queued)) {
            JsonNode done = api.await("operator", job, Api.status("succeeded"), LIMIT, null);
            JsonNode artifacts = done.get("artifacts");
            assertEquals(1, artifacts.size(), done.toString());
            byte[] served = api.download(artifacts.get(0).get("url").asText());
            byte[] fromComfyUi = Files.readAllBytes(comfyUi.outputFile(artifacts.get(0).get("filename").asText(), Api.folderOf(done)));
            assertArrayEquals(fromComfyUi, served, job);
        }
        assertEquals(3, comfyUi.submittedPrompts().size(), "each job went to ComfyUI once, none again after the restart");
        assertTrue(Files.isRegularFile(dir.resolve("data").resolve("comfyjobs.db")));
    }

    private Process start(int port, int wsPort, String secret, String run) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString(), "serve",
                "--comfyui", comfyUi.baseUrl(), "--api-keys", dir.resolve("keys").toString(),
                "--data-dir", dir.resolve("data").toString(), "--store", "sqlite:" + dir.resolve("data").resolve("comfyjobs.db"),
                "--artifacts", dir.resolve("artifacts").toString(),
                "--host", "127.0.0.1", "--port", Integer.toString(port), "--ws-port", Integer.toString(wsPort), "--recovery-every", "1s"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(run + ".log").toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("REDIS") || k.startsWith("S3_") || k.startsWith("COMFYUI") || k.equals("JOB_STORE_TYPE")
                || k.equals("SQLITE_PATH"));
        env.put("WEBHOOK_SECRET", secret);
        // recovery looks at a job after one quiet second instead of ninety, so the restart is reconciled at once
        env.put("STALE_AFTER_SECONDS", "1");
        return pb.start();
    }

    private void awaitUp(Api api, String run) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!serve.isAlive()) {
                throw new AssertionError("serve exited " + serve.exitValue() + ": " + Files.readString(dir.resolve(run + ".log")));
            }
            try {
                if (api.list("operator", null).status() == 200) {
                    return;
                }
            } catch (RuntimeException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("serve did not answer in " + LIMIT + ": " + Files.readString(dir.resolve(run + ".log")));
    }

    private static String submit(Api api, int seed, int steps) {
        ObjectNode workflow = Api.workflow(seed);
        ((ObjectNode) workflow.get("3").get("inputs")).put("steps", steps);
        Api.Response r = api.submit("operator", "{\"workflow\":" + workflow + "}", null);
        assertEquals(202, r.status(), r.body().toString());
        return r.body().get("jobId").asText();
    }
}
