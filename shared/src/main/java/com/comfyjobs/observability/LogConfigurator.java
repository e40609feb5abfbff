package com.comfyjobs.observability;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;

/**
 * Logback's configuration, found through META-INF/services so that logback reads no XML: Joran,
 * its XML configurator, is the slow part of a cold start. Every logger, ours and the libraries',
 * writes {@link JsonLineEncoder} lines to {@link LogOutput}; levels come from {@link LogLevels}.
 * A level variable that does not parse leaves the defaults and logs why; the functions refuse to
 * start with it (LazyHandler), so a deployment never runs with it unnoticed.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {
    static final String OWN_PACKAGE = "com.comfyjobs";
    static final String SCHEMA_VALIDATOR = "com.networknt.schema";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        JsonLineEncoder encoder = new JsonLineEncoder();
        encoder.setContext(context);
        encoder.start();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setName("json-lines");
        appender.setEncoder(encoder);
        appender.setOutputStream(new LogOutput());
        appender.start();

        LogLevels levels;
        ConfigException invalid = null;
        try {
            levels = LogLevels.fromEnv(Env.system());
        } catch (ConfigException e) {
            levels = LogLevels.DEFAULTS;
            invalid = e;
        }
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
        root.setLevel(Level.toLevel(levels.libraries()));
        context.getLogger(OWN_PACKAGE).setLevel(Level.toLevel(levels.own()));
        // The JSON Schema validator logs a caller's invalid pattern at ERROR and unknown keywords at WARN,
        // though it reports both in its results, which become that caller's 400: left on, anyone could
        // write error lines (and trip alarms on them) at will.
        context.getLogger(SCHEMA_VALIDATOR).setLevel(Level.OFF);
        if (invalid != null) {
            context.getLogger(LogConfigurator.class).error("log levels left at their defaults: {}", invalid.getMessage());
        }
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
