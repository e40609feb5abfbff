package com.comfyjobs.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.simulator.webhook.WebhookSender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The simulator's webhook defaults are the bridge's (infra/comfyui-webhook), read from its Python
 * source: a receiver tested against the simulator meets what a ComfyUI with the bridge as shipped
 * sends, no fewer events and no kinder batches.
 */
class BridgeDefaultsTest {
    private static final Path BRIDGE = Path.of("..", "comfyui-webhook", "comfyjobs_webhook");

    @Test
    void eventsCoalescingAndBatchingAreTheBridges() throws IOException {
        String config = Files.readString(BRIDGE.resolve("config.py"));
        String sender = Files.readString(BRIDGE.resolve("sender.py"));
        assertEquals(names(block(config, "DEFAULT_EVENTS")), new TreeSet<>(WebhookOptions.DEFAULT_EVENTS));
        assertEquals(names(block(config, "KNOWN_EVENTS")), new TreeSet<>(WebhookOptions.ALL_EVENTS));
        assertEquals(Long.parseLong(constant(config, "DEFAULT_COALESCE_MS")), WebhookOptions.DEFAULT_COALESCE_MILLIS);
        assertEquals(Integer.parseInt(constant(config, "DEFAULT_BATCH")), WebhookOptions.DEFAULT_BATCH_SIZE);
        assertEquals(constant(sender, "MAX_BATCH_BYTES"), "256 * 1024");
        assertEquals(256 * 1024, WebhookSender.MAX_BATCH_BYTES);
        WebhookOptions defaults = WebhookOptions.builder().url("http://127.0.0.1:9/hook").secret("whsec_c2VjcmV0").build();
        assertEquals(WebhookOptions.DEFAULT_EVENTS, defaults.events());
        assertEquals(WebhookOptions.DEFAULT_COALESCE_MILLIS, defaults.coalesceMillis());
        assertEquals(WebhookOptions.DEFAULT_BATCH_SIZE, defaults.batchSize());
    }

    private static String block(String source, String name) {
        Matcher m = Pattern.compile(name + " = frozenset\\(\\{(.*?)\\}\\)", Pattern.DOTALL).matcher(source);
        assertTrue(m.find(), name + " not found in the bridge's source");
        return m.group(1);
    }

    private static Set<String> names(String block) {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\"([a-z_]+)\"").matcher(block);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static String constant(String source, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + " = (.+)$").matcher(source);
        assertTrue(m.find(), name + " not found in the bridge's source");
        return m.group(1).strip();
    }
}
