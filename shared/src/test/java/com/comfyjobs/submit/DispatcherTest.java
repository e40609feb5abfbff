package com.comfyjobs.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.memory.InMemoryJobStore;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.secrets.Secrets;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.util.Map;
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

    @Test
    void aLeaseThatACallToComfyUiCanOutliveIsRefusedAtStart() {
        Env comfyUi = new Env(Map.of("COMFYUI_REQUEST_TIMEOUT_MS", "10000"));
        ComfyUiPool pool = new ComfyUiPool(ComfyUiSettings.fromEnv(comfyUi, Secrets.fromEnv(comfyUi, Clock.systemUTC())), Clock.systemUTC());
        // the check is made before anything is sent, so no staging (which only sending uses) is needed
        ConfigException e = assertThrows(ConfigException.class, () -> new Dispatcher(new InMemoryJobStore(), pool, null,
                ServiceSettings.fromEnv(new Env(Map.of("DISPATCH_LEASE_SECONDS", "12"))), Clock.systemUTC(), JobObserver.NONE));
        assertTrue(e.getMessage().contains("DISPATCH_LEASE_SECONDS") && e.getMessage().contains("COMFYUI_REQUEST_TIMEOUT_MS"), e.getMessage());
        new Dispatcher(new InMemoryJobStore(), pool, null, ServiceSettings.fromEnv(new Env(Map.of("DISPATCH_LEASE_SECONDS", "15"))),
                Clock.systemUTC(), JobObserver.NONE);
    }

    @Test
    void comfyUisReasonsAreKeptWithinABoundSoAFailedJobStaysSmall() throws Exception {
        StringBuilder many = new StringBuilder("{");
        for (int i = 0; i < 2000; i++) {
            many.append(i == 0 ? "" : ",").append("\"").append(i).append("\": {\"errors\": [{\"type\": \"value_not_in_list\", \"message\": \"Value not in list\"}],"
                    + " \"class_type\": \"CheckpointLoaderSimple\"}");
        }
        JsonNode nodeErrors = new ObjectMapper().readTree(many.append("}").toString());
        var rejected = new com.comfyjobs.comfyui.PromptSubmitResult.Rejected(new ObjectMapper().readTree("{\"type\": \"prompt_outputs_failed_validation\","
                + " \"message\": \"Prompt outputs failed validation\"}"), nodeErrors);
        JsonNode details = new ObjectMapper().readTree(Dispatcher.rejection(rejected).detailsJson());
        assertTrue(details.toString().length() < Dispatcher.MAX_STORED_DETAILS_CHARS + 1024, details.toString().length() + " chars");
        assertTrue(details.get("node_errors_truncated").asBoolean());
        assertTrue(details.get("node_errors").size() > 10, "as many of ComfyUI's reasons as fit are kept");
    }
}
