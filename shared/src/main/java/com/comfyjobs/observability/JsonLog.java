package com.comfyjobs.observability;

import java.io.PrintStream;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Our log calls: a message with key/values, logged through SLF4J under the calling class's name, so
 * our lines and the libraries' (Lettuce, Netty, the AWS SDK) come out alike as JSON lines
 * ({@link JsonLineEncoder}). The request id and job id live in the MDC, per thread and invocation:
 * every line logged while a request runs carries them, a library's included, so a job's story can be
 * followed across functions with one Logs Insights query.
 */
public final class JsonLog {
    public static final String REQUEST_ID = "requestId";
    public static final String API_REQUEST_ID = "apiRequestId";
    public static final String JOB_ID = "jobId";
    private static final StackWalker CALLER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private JsonLog() {
    }

    /** Starts an invocation's context (the Lambda request id); {@link #clear()} ends it. */
    public static void request(String requestId) {
        MDC.clear();
        if (requestId != null) {
            MDC.put(REQUEST_ID, requestId);
        }
    }

    /** API Gateway's own request id, the one its access logs and the caller's response headers show. */
    public static void apiRequest(String apiRequestId) {
        if (apiRequestId != null) {
            MDC.put(API_REQUEST_ID, apiRequestId);
        }
    }

    public static void job(String jobId) {
        MDC.put(JOB_ID, jobId);
    }

    public static void clear() {
        MDC.clear();
    }

    public static void info(String message, Object... keyValues) {
        log(CALLER.getCallerClass(), Level.INFO, message, null, keyValues);
    }

    public static void warn(String message, Object... keyValues) {
        log(CALLER.getCallerClass(), Level.WARN, message, null, keyValues);
    }

    public static void error(String message, Throwable error, Object... keyValues) {
        log(CALLER.getCallerClass(), Level.ERROR, message, error, keyValues);
    }

    /** A structured record whose fields are given as a map (analytics events, summaries), under "data". */
    public static void record(String message, Map<String, ?> fields) {
        log(CALLER.getCallerClass(), Level.INFO, message, null, "data", fields);
    }

    /** Sends every log line, the libraries' too, to this stream instead of stdout; EMF lines stay on stdout. */
    public static void redirect(PrintStream stream) {
        LogOutput.redirect(stream);
    }

    private static void log(Class<?> caller, Level level, String message, Throwable error, Object... keyValues) {
        Logger logger = LoggerFactory.getLogger(caller);
        if (!logger.isEnabledForLevel(level)) {
            return;
        }
        LoggingEventBuilder b = logger.atLevel(level).setMessage(message);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            b = b.addKeyValue(String.valueOf(keyValues[i]), keyValues[i + 1]);
        }
        if (error != null) {
            b = b.setCause(error);
        }
        b.log();
    }
}
