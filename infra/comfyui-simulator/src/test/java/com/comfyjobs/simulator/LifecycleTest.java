package com.comfyjobs.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Many simulators in one JVM: each closes without leaving threads or its port behind. */
class LifecycleTest {

    private static List<String> simulatorThreads() {
        List<String> names = new ArrayList<>();
        Thread.getAllStackTraces().keySet().forEach(thread -> {
            if (thread.isAlive() && thread.getName().startsWith("comfyui-sim-")) {
                names.add(thread.getName());
            }
        });
        return names;
    }

    @Test
    void closeReleasesThreadsAndPort() throws Exception {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ComfyUiSimulator sim = ComfyUiSimulator.builder().port(0).stepMillis(1).nodeMillis(0)
                    .webhook(WebhookOptions.builder().url("http://127.0.0.1:9/hook").secret("whsec_c2VjcmV0").maxAttempts(1).build())
                    .build();
            assertSame(sim, sim.start());
            sim.start();
            TestApi api = new TestApi(sim);
            api.post("/prompt", SampleWorkflows.request(SampleWorkflows.small(i, 2), "c"));
            assertTrue(sim.awaitIdle(Duration.ofSeconds(10)));
            ports.add(sim.port());
            sim.close();
            sim.close();
            assertThrows(IllegalStateException.class, sim::start);
        }
        long deadline = System.currentTimeMillis() + 5000;
        while (!simulatorThreads().isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(List.of(), simulatorThreads());
        for (int port : ports) {
            try (ServerSocket socket = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.1"))) {
                assertEquals(port, socket.getLocalPort());
            } catch (IOException e) {
                throw new AssertionError("port " + port + " still taken", e);
            }
        }
    }

    @Test
    void aSecondSimulatorOnATakenPortFailsClearly() {
        try (ComfyUiSimulator first = ComfyUiSimulator.builder().port(0).build().start()) {
            ComfyUiSimulator second = ComfyUiSimulator.builder().port(first.port()).build();
            IllegalStateException error = assertThrows(IllegalStateException.class, second::start);
            assertTrue(error.getMessage().startsWith("cannot listen on 127.0.0.1:" + first.port()), error.getMessage());
            second.close();
        }
    }
}
