package com.comfyjobs.observability;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Map;

/**
 * One-line JSON log records on stdout, which Lambda ships to CloudWatch Logs as they are. Each record
 * carries the current request id and job id (set per invocation, per thread), so a job's story can be
 * followed across functions with one Logs Insights query.
 */
public final class JsonLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ThreadLocal<String> REQUEST_ID = new ThreadLocal<>();
    private static final ThreadLocal<String> JOB_ID = new ThreadLocal<>();
    private static volatile PrintStream out = System.out;

    private JsonLog() {
    }

    /** Starts an invocation's context; {@link #clear()} ends it. */
    public static void request(String requestId) {
        REQUEST_ID.set(requestId);
        JOB_ID.remove();
    }

    public static void job(String jobId) {
        JOB_ID.set(jobId);
    }

    public static void clear() {
        REQUEST_ID.remove();
        JOB_ID.remove();
    }

    public static void info(String message, Object... keyValues) {
        write("INFO", message, null, keyValues);
    }

    public static void warn(String message, Object... keyValues) {
        write("WARN", message, null, keyValues);
    }

    public static void error(String message, Throwable error, Object... keyValues) {
        write("ERROR", message, error, keyValues);
    }

    /** A structured record whose fields are given as a map (analytics events, summaries). */
    public static void record(String message, Map<String, ?> fields) {
        ObjectNode n = base("INFO", message);
        n.set("data", JSON.valueToTree(fields));
        print(n);
    }

    /** Redirects output; for tests that read what was logged. */
    public static void redirect(PrintStream stream) {
        out = stream;
    }

    private static void write(String level, String message, Throwable error, Object... keyValues) {
        ObjectNode n = base(level, message);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            n.set(String.valueOf(keyValues[i]), JSON.valueToTree(keyValues[i + 1]));
        }
        if (error != null) {
            n.put("error", error.getClass().getName() + ": " + error.getMessage());
            StackTraceElement[] st = error.getStackTrace();
            if (st.length > 0) {
                n.put("at", st[0].toString());
            }
        }
        print(n);
    }

    private static ObjectNode base(String level, String message) {
        ObjectNode n = JSON.createObjectNode();
        n.put("time", Instant.now().toString());
        n.put("level", level);
        n.put("msg", message);
        if (REQUEST_ID.get() != null) {
            n.put("requestId", REQUEST_ID.get());
        }
        if (JOB_ID.get() != null) {
            n.put("jobId", JOB_ID.get());
        }
        return n;
    }

    private static void print(ObjectNode n) {
        String line = n.toString();
        PrintStream s = out;
        synchronized (s) {
            s.println(line);
        }
    }
}
