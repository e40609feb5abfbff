package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.local.CallerIdentities.LocalCaller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {
    private static final String ALICE = "alice-key-0123456789";
    private static final String ROOT = "root-key-0123456789ab";

    @TempDir
    Path dir;

    private ApiKeys keys(String text) throws IOException {
        Path file = dir.resolve("keys");
        Files.writeString(file, text);
        return ApiKeys.load(file);
    }

    private static Optional<LocalCaller> http(ApiKeys keys, String authorization) {
        return keys.ofHttp(name -> name.equals("Authorization") ? authorization : null);
    }

    @Test
    void aBearerKeyNamesItsUserAndTheAdminWordMakesAnAdmin() throws IOException {
        ApiKeys keys = keys("# comment\n\n" + ALICE + " alice\n  " + ROOT + "\troot admin  \n");
        assertEquals(Optional.of(new LocalCaller("alice", false)), http(keys, "Bearer " + ALICE));
        assertEquals(Optional.of(new LocalCaller("root", true)), http(keys, "bearer " + ROOT));
        assertEquals(2, keys.size());
    }

    @Test
    void noKeyAnUnknownOneAPrefixOfOneOrAnotherSchemeIsNobody() throws IOException {
        ApiKeys keys = keys(ALICE + " alice\n");
        assertEquals(Optional.empty(), http(keys, null));
        assertEquals(Optional.empty(), http(keys, "Bearer "));
        assertEquals(Optional.empty(), http(keys, "Bearer " + ALICE.substring(0, ALICE.length() - 1)));
        assertEquals(Optional.empty(), http(keys, "Bearer " + ALICE + "x"));
        assertEquals(Optional.empty(), http(keys, "Basic " + ALICE));
        assertEquals(Optional.empty(), http(keys, ALICE));
    }

    @Test
    void theWebSocketTokenParameterCarriesTheKeyAndTheUserParameterNamesNobody() throws IOException {
        ApiKeys keys = keys(ALICE + " alice\n");
        assertEquals(Optional.of(new LocalCaller("alice", false)), keys.ofWebSocket(Map.of("token", ALICE)::get));
        assertEquals(Optional.empty(), keys.ofWebSocket(Map.of("user", "alice")::get));
        assertEquals(Optional.empty(), keys.ofWebSocket(Map.of("token", "nope-nope-nope-nope")::get));
    }

    @Test
    void aMalformedLineStopsTheStartNamingTheFileAndTheLine() throws IOException {
        for (Map.Entry<String, String> bad : Map.of(
                ALICE + "\n", "line 1: expected 'key user'",
                "# ok\n" + ALICE + " alice root\n", "line 2: expected 'key user'",
                ALICE + " alice admin extra\n", "line 1: expected 'key user'",
                "short alice\n", "line 1: the key is shorter than 16",
                ALICE + " alice\n" + ALICE + " bob\n", "line 2: the key is on an earlier line too",
                "# nothing\n", "no keys").entrySet()) {
            ConfigException e = assertThrows(ConfigException.class, () -> keys(bad.getKey()), bad.getKey());
            assertTrue(e.getMessage().contains(dir.resolve("keys").toString()) && e.getMessage().contains(bad.getValue()), e.getMessage());
        }
    }

    @Test
    void aMissingFileIsNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> ApiKeys.load(dir.resolve("absent")));
        assertTrue(e.getMessage().contains("--api-keys " + dir.resolve("absent")), e.getMessage());
    }
}
