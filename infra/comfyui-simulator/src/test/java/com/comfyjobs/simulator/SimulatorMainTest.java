package com.comfyjobs.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SimulatorMainTest {

    @Test
    void launchesListensAndPrintsItsUrl() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (ComfyUiSimulator sim = SimulatorMain.launch(new String[] {"--port", "0", "--host", "127.0.0.1", "--step-ms", "1",
                "--checkpoints", "a.safetensors,b.safetensors", "--token", "t0k"}, new PrintStream(printed, true, StandardCharsets.UTF_8))) {
            String line = printed.toString(StandardCharsets.UTF_8).strip();
            Matcher url = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+)").matcher(line);
            assertTrue(url.find(), line);
            assertEquals(1, line.lines().count(), "one line");
            assertEquals(sim.baseUrl(), url.group(1));
            TestApi.Response stats = new TestApi(url.group(1), "t0k").get("/system_stats");
            assertEquals(200, stats.status());
            assertEquals("--port", stats.json().get("system").get("argv").get(1).asText());
            String checkpoints = new TestApi(url.group(1), "t0k").get("/object_info/CheckpointLoaderSimple").text();
            assertTrue(checkpoints.contains("[\"a.safetensors\", \"b.safetensors\"]"), checkpoints);
        }
    }

    @Test
    void helpPrintsUsage() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        assertNull(SimulatorMain.launch(new String[] {"--help"}, new PrintStream(printed, true, StandardCharsets.UTF_8)));
        String usage = printed.toString(StandardCharsets.UTF_8);
        for (String option : new String[] {"--port", "--host", "--step-ms", "--output-dir", "--checkpoints", "--webhook-url",
                "--webhook-secret", "--webhook-coalesce-ms", "--webhook-batch", "--webhook-drop-pct", "--webhook-dup-pct",
                "--webhook-reorder", "--token"}) {
            assertTrue(usage.contains(option), option);
        }
    }

    @Test
    void badOptionsAreUsageErrors() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals("unknown option: --bogus", assertThrows(UsageException.class, () -> SimulatorMain.launch(new String[] {"--bogus"}, out)).getMessage());
        assertThrows(UsageException.class, () -> SimulatorMain.launch(new String[] {"--port", "70000"}, out));
        assertThrows(UsageException.class, () -> SimulatorMain.launch(new String[] {"--port"}, out));
        assertThrows(UsageException.class, () -> SimulatorMain.launch(new String[] {"--step-ms", "fast"}, out));
        assertEquals("--webhook-url needs --webhook-secret",
                assertThrows(UsageException.class, () -> SimulatorMain.launch(new String[] {"--webhook-url", "http://127.0.0.1:1/x"}, out)).getMessage());
        assertThrows(UsageException.class, () -> SimulatorMain.launch(new String[] {"--webhook-url", "http://127.0.0.1:1/x", "--webhook-secret", "not base64!"}, out));
        assertThrows(UsageException.class, () -> SimulatorMain.launch(new String[] {"--webhook-drop-pct", "10"}, out));
    }
}
