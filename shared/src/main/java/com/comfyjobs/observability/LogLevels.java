package com.comfyjobs.observability;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import java.util.List;
import java.util.Locale;

/**
 * How much is logged: {@code LOG_LEVEL} for this service's own code (default INFO) and
 * {@code LIBRARY_LOG_LEVEL} for everything else (Lettuce, Netty, the AWS SDK, Micronaut; default
 * WARN, so their reconnects, retries and topology changes show and their chatter does not).
 */
public record LogLevels(String own, String libraries) {
    public static final LogLevels DEFAULTS = new LogLevels("INFO", "WARN");
    private static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

    /** @throws ConfigException naming the variable when one is set to something that is not a level */
    public static LogLevels fromEnv(Env env) {
        return new LogLevels(level(env.string("LOG_LEVEL", DEFAULTS.own()), "LOG_LEVEL"),
                level(env.string("LIBRARY_LOG_LEVEL", DEFAULTS.libraries()), "LIBRARY_LOG_LEVEL"));
    }

    private static String level(String value, String variable) {
        String upper = value.toUpperCase(Locale.ROOT);
        if (!LEVELS.contains(upper)) {
            throw new ConfigException(variable + " must be one of " + String.join(", ", LEVELS) + "; got '" + value + "'");
        }
        return upper;
    }
}
