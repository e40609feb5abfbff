package com.comfyjobs.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Our lines and the libraries' as they leave the process: one JSON object per line, with the invocation's ids. */
class JsonLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    @BeforeEach
    void capture() {
        JsonLog.redirect(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void release() {
        JsonLog.clear();
        JsonLog.redirect(System.out);
    }

    @Test
    void logbackIsTheProviderConfiguredInCodeWithOneJsonAppender() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        var root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertTrue(root.getAppender("json-lines") != null, "LogConfigurator ran, not logback's defaults or an XML file");
        assertEquals("WARN", root.getLevel().toString());
        assertEquals("INFO", context.getLogger(LogConfigurator.OWN_PACKAGE).getLevel().toString());
    }

    @Test
    void ourLineCarriesItsLoggerTheIdsAndItsKeyValuesWithTheirTypes() throws Exception {
        JsonLog.request("lambda-request-1");
        JsonLog.apiRequest("api-request-1");
        JsonLog.job("job-1");
        JsonLog.warn("callback failed", "attempts", 3, "final", true, "reason", "timeout");
        JsonNode line = only();
        assertEquals("WARN", line.path("level").asText());
        assertEquals(JsonLogTest.class.getName(), line.path("logger").asText(), "the calling class, not JsonLog");
        assertEquals("callback failed", line.path("msg").asText());
        assertEquals("lambda-request-1", line.path("requestId").asText());
        assertEquals("api-request-1", line.path("apiRequestId").asText());
        assertEquals("job-1", line.path("jobId").asText());
        assertTrue(line.path("attempts").isInt(), line.toString());
        assertEquals(3, line.path("attempts").asInt());
        assertTrue(line.path("final").isBoolean(), line.toString());
        assertEquals("timeout", line.path("reason").asText());
        assertTrue(line.path("time").asText().endsWith("Z"), line.toString());
    }

    @Test
    void aLibrarysWarningCarriesTheRequestIdWhileItsInfoIsLeftOut() throws Exception {
        JsonLog.request("lambda-request-2");
        var lettuce = LoggerFactory.getLogger("io.lettuce.core.protocol.ConnectionWatchdog");
        lettuce.info("Reconnecting, last destination was {}", "127.0.0.1:6379");
        lettuce.warn("Cannot reconnect to [{}]: {}", "127.0.0.1:6379", "Connection refused");
        JsonNode line = only();
        assertEquals("io.lettuce.core.protocol.ConnectionWatchdog", line.path("logger").asText());
        assertEquals("Cannot reconnect to [127.0.0.1:6379]: Connection refused", line.path("msg").asText());
        assertEquals("lambda-request-2", line.path("requestId").asText());
    }

    /** A caller's template schema with a broken pattern made the validator log at ERROR once per request. */
    @Test
    void theSchemaValidatorsOwnLinesAboutACallersSchemaAreLeftOut() {
        JsonLog.request("lambda-request-3");
        LoggerFactory.getLogger("com.networknt.schema.keyword.PatternValidator").error("Failed to compile pattern : {}", "([");
        LoggerFactory.getLogger("com.networknt.schema.dialect.Dialect").warn("Unknown keyword {}", "x-anything");
        assertEquals("", captured.toString(StandardCharsets.UTF_8));
    }

    @Test
    void ourInfoIsLogged() throws Exception {
        JsonLog.info("artifacts deleted", "objects", 2);
        assertEquals("INFO", only().path("level").asText());
    }

    @Test
    void clearEndsTheInvocationsContext() throws Exception {
        JsonLog.request("lambda-request-3");
        JsonLog.job("job-3");
        JsonLog.clear();
        JsonLog.warn("between invocations");
        JsonNode line = only();
        assertFalse(line.has("requestId"), line.toString());
        assertFalse(line.has("jobId"), line.toString());
    }

    @Test
    void aNewRequestDropsThePreviousJob() throws Exception {
        JsonLog.request("lambda-request-4");
        JsonLog.job("job-4");
        JsonLog.request("lambda-request-5");
        JsonLog.warn("next invocation");
        JsonNode line = only();
        assertEquals("lambda-request-5", line.path("requestId").asText());
        assertFalse(line.has("jobId"), line.toString());
    }

    @Test
    void anErrorCarriesItsClassMessageFirstFrameRootCauseAndStack() throws Exception {
        Exception e = new IllegalStateException("store failed", new java.net.ConnectException("Connection refused"));
        JsonLog.error("state store unavailable", e, "jobId", "job-6");
        JsonNode line = only();
        assertEquals("ERROR", line.path("level").asText());
        assertEquals("java.lang.IllegalStateException: store failed", line.path("error").asText());
        assertEquals("java.net.ConnectException: Connection refused", line.path("cause").asText());
        assertTrue(line.path("at").asText().contains("JsonLogTest"), line.toString());
        assertTrue(line.path("stack").isArray() && line.path("stack").size() <= JsonLineEncoder.MAX_FRAMES, line.toString());
        assertEquals("job-6", line.path("jobId").asText());
    }

    @Test
    void aRecordsFieldsGoUnderData() throws Exception {
        JsonLog.record("recovery summary", Map.of("scanned", 4, "recovered", 1));
        JsonNode line = only();
        assertEquals(4, line.path("data").path("scanned").asInt());
        assertEquals(1, line.path("data").path("recovered").asInt());
    }

    @Test
    void aMessageWithQuotesBracesAndLineBreaksStaysOneJsonLine() throws Exception {
        String message = "caller sent \"{}\" and\na second line";
        JsonLog.warn(message, "value", "tab\there");
        JsonNode line = only();
        assertEquals(message, line.path("msg").asText());
        assertEquals("tab\there", line.path("value").asText());
    }

    /** The one line logged; fails if there were none or several. */
    private JsonNode only() throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String l : captured.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!l.isEmpty()) {
                lines.add(JSON.readTree(l));
            }
        }
        assertEquals(1, lines.size(), captured.toString(StandardCharsets.UTF_8));
        return lines.get(0);
    }
}
