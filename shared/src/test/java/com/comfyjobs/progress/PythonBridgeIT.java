package com.comfyjobs.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Python bridge (infra/comfyui-webhook) posting a prompt's events through its own sender, to a
 * receiver that checks every delivery with the standardwebhooks Java library and with our verifier
 * and envelope parser. Runs where python3 is installed (CI has it; a bare JDK machine may not).
 */
class PythonBridgeIT {
    private static final String SECRET = "whsec_" + java.util.Base64.getEncoder()
            .encodeToString("python-bridge-secret-0123456789ab".getBytes(StandardCharsets.UTF_8));

    private static Path bridge() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("infra/comfyui-webhook"))) {
            p = p.getParent();
        }
        return p == null ? null : p.resolve("infra/comfyui-webhook");
    }

    private static boolean python3() {
        String path = System.getenv("PATH");
        return path != null && java.util.Arrays.stream(path.split(File.pathSeparator)).anyMatch(d -> new File(d, "python3").canExecute());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void everyDeliveryOfTheBridgeVerifiesWithTheJavaLibraryAndParses(int batch) throws Exception {
        Assumptions.assumeTrue(python3(), "python3 is not installed");
        Path bridge = bridge();
        Assumptions.assumeTrue(bridge != null, "infra/comfyui-webhook not found");
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        List<ComfyEvent> events = Collections.synchronizedList(new ArrayList<>());
        WebhookVerifier ours = WebhookVerifier.fromList(SECRET, "SECRET");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/hook", x -> {
            byte[] body = x.getRequestBody().readAllBytes();
            Map<String, List<String>> headers = new HashMap<>();
            Map<String, String> flat = new HashMap<>();
            x.getRequestHeaders().forEach((k, v) -> {
                headers.put(k.toLowerCase(java.util.Locale.ROOT), v);
                flat.put(k, v.get(0));
            });
            try {
                new Webhook(SECRET).verify(new String(body, StandardCharsets.UTF_8), headers);
                String id = ours.verify(body, flat);
                events.addAll(WebhookEnvelopes.parse(body, id));
            } catch (Exception e) {
                problems.add(e.toString());
            }
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        server.start();
        try {
            String prompt = java.util.UUID.randomUUID() + "_1";
            Process p = new ProcessBuilder("python3", bridge.resolve("tools/send_sample.py").toString(),
                    "--url", "http://127.0.0.1:" + server.getAddress().getPort() + "/hook", "--secret", SECRET,
                    "--prompt-id", prompt, "--batch", Integer.toString(batch), "--steps", "5")
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "send_sample.py finished");
            assertEquals(0, p.exitValue(), output);
            assertEquals(List.of(), problems);
            assertEquals(12, events.size(), "every event arrived (the sample sends coalescing off): " + events);
            assertTrue(events.stream().allMatch(e -> prompt.equals(e.promptId())), "every event names the prompt");
            assertEquals("execution_start", events.get(0).type());
            assertTrue(events.stream().anyMatch(e -> e.type().equals("execution_success")));
        } finally {
            server.stop(0);
        }
    }
}
