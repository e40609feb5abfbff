package com.comfyjobs.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookEnvelopesTest {
    private static List<ComfyEvent> parse(String body) {
        return WebhookEnvelopes.parse(body.getBytes(StandardCharsets.UTF_8), "msg_1");
    }

    @Test
    void oneEnvelopeAsSaladSendsIt() throws Exception {
        List<ComfyEvent> e = parse("{\"event\":\"comfy.progress\",\"data\":{\"type\":\"progress\",\"data\":{\"value\":5,\"max\":20,"
                + "\"prompt_id\":\"p\",\"node\":\"3\"}},\"metadata\":{\"any\":\"x\"}}");
        assertEquals(1, e.size());
        assertEquals("msg_1:0", e.get(0).eventId());
        assertEquals("progress", e.get(0).type());
        assertEquals("p", e.get(0).promptId());
    }

    @Test
    void aBatchKeepsOrderAndNumbersPositions() throws Exception {
        List<ComfyEvent> e = parse("[{\"event\":\"comfy.execution_start\",\"data\":{\"type\":\"execution_start\",\"data\":{\"prompt_id\":\"p\"}}},"
                + "{\"event\":\"prompt.complete\",\"data\":{}},"
                + "{\"event\":\"comfy.status\",\"data\":{\"type\":\"status\",\"data\":{\"status\":{}}}}]");
        assertEquals(2, e.size(), "the sender's own prompt webhooks are not ours");
        assertEquals("msg_1:0", e.get(0).eventId());
        assertEquals("msg_1:2", e.get(1).eventId());
        assertEquals(null, e.get(1).promptId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not json", "[]", "[1]", "\"x\"", "{}", "{\"event\":5}", "{\"event\":\"comfy.progress\"}",
            "{\"event\":\"comfy.progress\",\"data\":{\"type\":\"progress\"}}", "{\"event\":\"comfy.progress\",\"data\":{\"type\":1,\"data\":{}}}",
            "{\"event\":\"comfy.x\",\"event\":\"comfy.y\",\"data\":{\"type\":\"x\",\"data\":{}}}",
            "{\"event\":\"comfy.x\",\"data\":{\"type\":\"x\",\"data\":{}}}}"})
    void malformedBodiesAreRefused(String body) {
        assertThrows(MalformedWebhookException.class, () -> parse(body));
    }

    @Test
    void deepNestingIsRefusedNotFollowed() {
        String deep = "{\"event\":\"comfy.x\",\"data\":{\"type\":\"x\",\"data\":" + "[".repeat(5000) + "]".repeat(5000) + "}}";
        assertThrows(MalformedWebhookException.class, () -> parse(deep));
    }
}
