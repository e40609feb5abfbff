package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.servers.FreePorts;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What can be tested of sam local without Docker and SAM CLI: the local stack started from
 * events/env.json (its ports moved to free ones) shares its secret with the event files that
 * {@code events/sign} writes, and those files, posted as API Gateway would pass them on, move a real
 * job through the webhook handler; the committed, stale-signed files do not.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SamLocalIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private LocalStack stack;
    private Api api;
    private SamLocalEnv env;
    private Path events;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("events/env.json"))) {
            root = root.getParent();
        }
        events = root.resolve("events");
        ObjectNode file = (ObjectNode) JSON.readTree(events.resolve("env.json").toFile());
        ObjectNode p = (ObjectNode) file.get("Parameters");
        p.put("REDIS_URL", "redis://127.0.0.1:" + FreePorts.forRedis());
        p.put("S3_ENDPOINT", "http://127.0.0.1:" + FreePorts.any());
        p.put("COMFYUI_URLS", "http://127.0.0.1:" + FreePorts.any());
        p.put("WEBSOCKET_ENDPOINT", "http://127.0.0.1:" + FreePorts.any());
        Path moved = dir.resolve("env.json");
        JSON.writeValue(moved.toFile(), file);
        env = SamLocalEnv.read(moved);
        LocalStack.Options o = TestStacks.options("sam-local");
        env.applyTo(o);
        stack = LocalStack.start(o);
        api = new Api(stack.apiUrl());
    }

    @AfterAll
    void stop() {
        stack.close();
    }

    @Test
    void theStackListensWhereTheFileSays() {
        assertEquals(URI.create(env.required("COMFYUI_URLS")).getPort(), URI.create(stack.simulator().baseUrl()).getPort());
        assertEquals(env.required("WEBHOOK_SECRET"), stack.webhookSecret());
    }

    @Test
    void signedEventsMoveARealJobAndTheCommittedOnesAreRefused(@TempDir Path out) throws Exception {
        stack.simulator().faults().holdQueue(true);
        try {
            Api.Response submitted = api.submit("dev", Api.submitBody(7), null);
            assertEquals(202, submitted.status(), submitted.body().toString());
            String job = submitted.body().get("jobId").asText();

            new EventSigner(env.required("WEBHOOK_SECRET"), Clock.systemUTC()).signAll(events, job, out);
            assertTrue(Files.readString(out.resolve("get.json")).contains("/jobs/" + job));
            assertEquals(401, post(JSON.readTree(events.resolve("webhook-progress.json").toFile())),
                    "the committed file's timestamp is long past");
            for (String name : new String[] {"webhook-batch.json", "webhook-progress.json"}) {
                assertEquals(204, post(JSON.readTree(out.resolve(name).toFile())), name);
            }
            JsonNode running = api.get("dev", job).body();
            assertEquals("running", running.get("status").asText(), running.toString());
            assertEquals(204, post(JSON.readTree(out.resolve("webhook-error.json").toFile())));
            JsonNode failed = api.get("dev", job).body();
            assertEquals("failed", failed.get("status").asText(), failed.toString());
        } finally {
            stack.simulator().faults().holdQueue(false);
        }
    }

    /** The webhook event as API Gateway received it: its body and headers, to the stack's route. */
    private int post(JsonNode event) {
        HttpRequest.Builder r = api.request(event.get("rawPath").asText(), null)
                .POST(HttpRequest.BodyPublishers.ofString(event.get("body").asText()));
        for (Map.Entry<String, JsonNode> h : (Iterable<Map.Entry<String, JsonNode>>) event.get("headers")::fields) {
            if (h.getKey().startsWith("webhook-") || h.getKey().equals("content-type")) {
                r.header(h.getKey(), h.getValue().asText());
            }
        }
        return api.raw(r).status();
    }
}
