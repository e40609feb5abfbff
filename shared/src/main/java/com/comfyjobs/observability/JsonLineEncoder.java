package com.comfyjobs.observability;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.event.KeyValuePair;

/**
 * One flat JSON object per log event and line: time, level, logger, thread, msg, the MDC
 * (requestId, jobId) and the event's key/values as top-level fields with their JSON types, and an
 * error as its class and message, first frame, root cause and up to {@value #MAX_FRAMES} frames.
 * Flat because CloudWatch Logs Insights discovers top-level fields by name ({@code filter jobId = ...});
 * logback's own JsonEncoder nests the MDC, turns key/values into an array of one-field objects with
 * string values, and writes the unformatted message beside its arguments.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {
    static final int MAX_FRAMES = 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ObjectNode n = JSON.createObjectNode();
        n.put("time", event.getInstant().toString());
        n.put("level", event.getLevel().toString());
        n.put("logger", event.getLoggerName());
        n.put("thread", event.getThreadName());
        n.put("msg", event.getFormattedMessage());
        for (Map.Entry<String, String> e : event.getMDCPropertyMap().entrySet()) {
            n.put(e.getKey(), e.getValue());
        }
        if (event.getKeyValuePairs() != null) {
            for (KeyValuePair kv : event.getKeyValuePairs()) {
                n.set(kv.key, value(kv.value));
            }
        }
        if (event.getThrowableProxy() != null) {
            error(n, event.getThrowableProxy());
        }
        byte[] line = n.toString().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[line.length + 1];
        System.arraycopy(line, 0, out, 0, line.length);
        out[line.length] = '\n';
        return out;
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }

    /** A value Jackson cannot map (a cycle, a bean without getters) still logs as its text. */
    private static JsonNode value(Object v) {
        try {
            return JSON.valueToTree(v);
        } catch (IllegalArgumentException e) {
            return JSON.getNodeFactory().textNode(String.valueOf(v));
        }
    }

    private static void error(ObjectNode n, IThrowableProxy t) {
        n.put("error", describe(t));
        StackTraceElementProxy[] frames = t.getStackTraceElementProxyArray();
        if (frames.length > 0) {
            n.put("at", frames[0].getStackTraceElement().toString());
        }
        IThrowableProxy root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != t) {
            n.put("cause", describe(root));
        }
        ArrayNode stack = n.putArray("stack");
        for (int i = 0; i < Math.min(frames.length, MAX_FRAMES); i++) {
            stack.add(frames[i].getStackTraceElement().toString());
        }
    }

    private static String describe(IThrowableProxy t) {
        return t.getMessage() == null ? t.getClassName() : t.getClassName() + ": " + t.getMessage();
    }
}
