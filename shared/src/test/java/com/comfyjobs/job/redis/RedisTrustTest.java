package com.comfyjobs.job.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import com.comfyjobs.testing.SelfSignedTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** REDIS_TLS_CA_FILE is read at start: a file that cannot serve fails the start naming the variable. */
class RedisTrustTest {
    private static RedisSettings settings(String caFile) {
        return RedisSettings.fromEnv(new Env(Map.of("REDIS_URL", "rediss://127.0.0.1:6380", "REDIS_TLS_CA_FILE", caFile)));
    }

    /** That the client then trusts it, and only it, is RedisTlsJobStoreIT's to show, over a real handshake. */
    @Test
    void aPemFileOfCertificatesIsTaken() {
        Path pem = SelfSignedTls.create().caPem();
        assertEquals(pem, settings(pem.toString()).tlsCaFile());
    }

    @Test
    void aMissingOrWrongFileFailsTheStartNamingTheVariable(@TempDir Path dir) throws Exception {
        ConfigException missing = assertThrows(ConfigException.class, () -> settings(dir.resolve("nope.pem").toString()));
        assertTrue(missing.getMessage().startsWith("REDIS_TLS_CA_FILE"), missing.getMessage());
        Path notPem = Files.writeString(dir.resolve("key.txt"), "not a certificate");
        ConfigException wrong = assertThrows(ConfigException.class, () -> settings(notPem.toString()));
        assertTrue(wrong.getMessage().startsWith("REDIS_TLS_CA_FILE"), wrong.getMessage());
    }

    @Test
    void unsetMeansTheJvmsTrustStore() {
        assertEquals(null, RedisSettings.fromEnv(new Env(Map.of("REDIS_URL", "rediss://127.0.0.1:6380"))).tlsCaFile());
    }
}
