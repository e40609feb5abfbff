package com.comfyjobs.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class DispatcherTest {
    @Test
    void comfyUisReasonsAreKeptItsTracebacksAreNot() throws Exception {
        JsonNode nodeErrors = new ObjectMapper().readTree("{\"3\": {\"errors\": [{\"type\": \"exception_during_inner_validation\","
                + " \"message\": \"Exception when validating inner node\", \"details\": \"'4'\", \"extra_info\": {\"exception_type\": \"KeyError\","
                + " \"traceback\": [\"  File \\\"/ComfyUI/execution.py\\\", line 693\"]}}], \"class_type\": \"KSampler\"}}");
        JsonNode clean = Dispatcher.withoutTracebacks(nodeErrors);
        assertFalse(clean.toString().contains("execution.py"));
        assertEquals("KeyError", clean.get("3").get("errors").get(0).get("extra_info").get("exception_type").asText());
        assertEquals("execution.py", nodeErrors.toString().contains("execution.py") ? "execution.py" : "", "the original is left as it was");
    }
}
