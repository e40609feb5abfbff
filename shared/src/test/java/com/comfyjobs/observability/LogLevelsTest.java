package com.comfyjobs.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogLevelsTest {
    @Test
    void defaultsToInfoForOursAndWarnForLibraries() {
        assertEquals(new LogLevels("INFO", "WARN"), LogLevels.fromEnv(new Env(Map.of())));
    }

    @Test
    void readsEitherCase() {
        assertEquals(new LogLevels("DEBUG", "ERROR"), LogLevels.fromEnv(new Env(Map.of("LOG_LEVEL", "debug", "LIBRARY_LOG_LEVEL", "Error"))));
    }

    @Test
    void refusesALevelThatDoesNotExistNamingItsVariable() {
        ConfigException own = assertThrows(ConfigException.class, () -> LogLevels.fromEnv(new Env(Map.of("LOG_LEVEL", "verbose"))));
        assertTrue(own.getMessage().startsWith("LOG_LEVEL "), own.getMessage());
        ConfigException libraries = assertThrows(ConfigException.class,
                () -> LogLevels.fromEnv(new Env(Map.of("LIBRARY_LOG_LEVEL", "WARNING"))));
        assertTrue(libraries.getMessage().startsWith("LIBRARY_LOG_LEVEL "), libraries.getMessage());
    }
}
