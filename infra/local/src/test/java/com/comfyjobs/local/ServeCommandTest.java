package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeCommandTest {
    @TempDir
    Path dir;
    private Path keys;

    @BeforeEach
    void keyFile() throws IOException {
        keys = Files.writeString(dir.resolve("keys"), "alice-key-0123456789 alice\n");
    }

    private ServeCommand.Plan plan(Map<String, String> env, String... flags) {
        List<String> args = new ArrayList<>(List.of("--api-keys", keys.toString(), "--data-dir", dir.resolve("data").toString()));
        args.addAll(List.of(flags));
        return ServeCommand.plan(args.toArray(String[]::new), env);
    }

    @Test
    void theFlagsAreTheEnvironmentVariablesAndWinOverThem() {
        Map<String, String> env = plan(Map.of("COMFYUI_URLS", "http://old:8188", "JOB_STORE_TYPE", "redis"),
                "--comfyui", "http://gpu:8188,http://gpu2:8188", "--store", "sqlite:/srv/jobs.db").options().env;
        assertEquals("http://gpu:8188,http://gpu2:8188", env.get("COMFYUI_URLS"));
        assertEquals("sqlite", env.get("JOB_STORE_TYPE"));
        assertEquals("/srv/jobs.db", env.get("SQLITE_PATH"));
        assertEquals("memory", plan(Map.of(), "--comfyui", "http://gpu:8188", "--store", "memory").options().env.get("JOB_STORE_TYPE"));
        Map<String, String> redis = plan(Map.of(), "--comfyui", "http://gpu:8188", "--store", "redis://cache:6379").options().env;
        assertEquals("redis", redis.get("JOB_STORE_TYPE"));
        assertEquals("redis://cache:6379", redis.get("REDIS_URL"));
        assertEquals("redis", plan(Map.of("REDIS_HOST", "cache"), "--comfyui", "http://gpu:8188", "--store", "redis").options().env
                .get("JOB_STORE_TYPE"));
    }

    @Test
    void servesTheDeployedDefaultsUnlessTheEnvironmentSetsThem() {
        ServeCommand.Plan p = plan(Map.of("COMFYUI_URLS", "http://gpu:8188"));
        assertEquals("admins", p.options().env.get("RAW_WORKFLOWS"));
        assertEquals("false", p.options().env.get("ALLOW_PRIVATE_URLS"));
        assertEquals("sqlite", p.options().env.get("JOB_STORE_TYPE"));
        assertEquals(dir.resolve("data").resolve("comfyjobs.db").toString(), p.options().env.get("SQLITE_PATH"));
        assertEquals("0.0.0.0", p.options().host);
        assertTrue(p.options().callers instanceof ApiKeys);
        Map<String, String> set = plan(Map.of("COMFYUI_URLS", "http://gpu:8188", "RAW_WORKFLOWS", "all", "ALLOW_PRIVATE_URLS", "true"))
                .options().env;
        assertEquals("all", set.get("RAW_WORKFLOWS"));
        assertEquals("true", set.get("ALLOW_PRIVATE_URLS"));
    }

    @Test
    void theGeneratedWebhookSecretAndCallbackKeyAreKeptInTheDataDirectoryForTheOwnerAlone() throws IOException {
        ServeCommand.Plan first = plan(Map.of("COMFYUI_URLS", "http://gpu:8188"));
        ServeCommand.Plan again = plan(Map.of("COMFYUI_URLS", "http://gpu:8188"));
        String secret = first.options().env.get("WEBHOOK_SECRET");
        assertTrue(secret.startsWith("whsec_"), secret);
        assertEquals(secret, again.options().env.get("WEBHOOK_SECRET"));
        assertEquals(first.options().env.get("CALLBACK_SECRETS_KEY"), again.options().env.get("CALLBACK_SECRETS_KEY"));
        Path file = dir.resolve("data").resolve(ServeCommand.WEBHOOK_SECRET_FILE);
        assertEquals(file, first.webhookSecretFile());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                dir.resolve("data").resolve(ServeCommand.CALLBACK_KEY_FILE))));
        assertNotEquals(secret, first.options().env.get("CALLBACK_SECRETS_KEY"));
    }

    @Test
    void aWebhookSecretFromTheEnvironmentIsUsedAndNotWritten() {
        ServeCommand.Plan p = plan(Map.of("COMFYUI_URLS", "http://gpu:8188", "WEBHOOK_SECRET", "whsec_Zm9vYmFyYmF6"));
        assertEquals("whsec_Zm9vYmFyYmF6", p.options().env.get("WEBHOOK_SECRET"));
        assertNull(p.webhookSecretFile());
        assertFalse(Files.exists(dir.resolve("data").resolve(ServeCommand.WEBHOOK_SECRET_FILE)));
    }

    @Test
    void whatServeCannotStartWithoutIsNamed() {
        Map<String, String> none = new HashMap<>();
        assertMessage("--comfyui", () -> plan(none));
        assertMessage("--api-keys", () -> ServeCommand.plan(new String[] {"--comfyui", "http://gpu:8188"}, none));
        assertMessage("--store must be", () -> plan(none, "--comfyui", "http://gpu:8188", "--store", "postgres://db"));
        assertMessage("--store must be", () -> plan(none, "--comfyui", "http://gpu:8188", "--store", "sqlite:"));
        assertMessage("REDIS_URL", () -> plan(none, "--comfyui", "http://gpu:8188", "--store", "redis"));
        assertMessage("--port", () -> plan(none, "--comfyui", "http://gpu:8188", "--port", "70000"));
        assertMessage("--recovery-every", () -> plan(none, "--comfyui", "http://gpu:8188", "--recovery-every", "soon"));
        assertMessage("unknown option --demo", () -> plan(none, "--comfyui", "http://gpu:8188", "--demo"));
        assertMessage("--comfyui needs a value", () -> plan(none, "--comfyui"));
    }

    @Test
    void anEmptySecretFileStopsTheStartRatherThanSigningWithNothing() throws IOException {
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data").resolve(ServeCommand.WEBHOOK_SECRET_FILE), "\n");
        assertMessage(ServeCommand.WEBHOOK_SECRET_FILE + " is empty", () -> plan(Map.of("COMFYUI_URLS", "http://gpu:8188")));
    }

    @Test
    void aLogLevelThatIsNoLevelStopsTheStartNamingItsVariable() {
        assertMessage("LIBRARY_LOG_LEVEL must be one of", () -> plan(Map.of("COMFYUI_URLS", "http://gpu:8188", "LIBRARY_LOG_LEVEL", "loud")));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable e) {
        ConfigException thrown = assertThrows(ConfigException.class, e);
        assertTrue(thrown.getMessage().contains(expected), thrown.getMessage());
    }
}
