package com.comfyjobs.callbacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Callers' signing secrets as the store keeps them: sealed, for one caller, under one key. */
class SecretBoxTest {
    private static final String KEY = "secret-box-test-key-0123456789abcdefghij";
    private final SecretBox box = new SecretBox(() -> KEY, "CALLBACK_SECRETS_KEY");

    @Test
    void aSealedSecretOpensForItsCallerAndShowsNothingOfIt() {
        String sealed = box.seal("alice", "whsec_c2VjcmV0");
        assertEquals("whsec_c2VjcmV0", box.open("alice", sealed));
        assertFalse(sealed.contains("c2VjcmV0"));
        assertNotEquals(sealed, box.seal("alice", "whsec_c2VjcmV0"), "a fresh nonce per seal");
    }

    @Test
    void itDoesNotOpenForAnotherCallerUnderAnotherKeyOrDamaged() {
        String sealed = box.seal("alice", "whsec_c2VjcmV0");
        assertThrows(UnreadableSecretException.class, () -> box.open("bob", sealed), "copied under another user's key, it does not open");
        SecretBox other = new SecretBox(() -> KEY + "-rotated", "CALLBACK_SECRETS_KEY");
        assertTrue(assertThrows(UnreadableSecretException.class, () -> other.open("alice", sealed)).getMessage()
                .contains("CALLBACK_SECRETS_KEY"));
        byte[] raw = Base64.getDecoder().decode(sealed.substring(3));
        raw[raw.length - 1] ^= 1;
        assertThrows(UnreadableSecretException.class, () -> box.open("alice", "v1." + Base64.getEncoder().encodeToString(raw)));
        for (String junk : new String[] {"", "v2.abc", "v1.!!!", "v1.AAAA"}) {
            assertThrows(UnreadableSecretException.class, () -> box.open("alice", junk), junk);
        }
    }

    @Test
    void aMissingOrShortKeyStopsTheFunctionNamingItsVariable() {
        for (String key : new String[] {null, "", "too-short-0123456789"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> new SecretBox(() -> key, "CALLBACK_SECRETS_KEY_ARN"));
            assertTrue(e.getMessage().startsWith("CALLBACK_SECRETS_KEY_ARN"), e.getMessage());
        }
    }

    @Test
    void theKeyIsAskedForOnEachUseSoARotatedSecretAppliesInAWarmContainer() {
        AtomicReference<String> key = new AtomicReference<>(KEY);
        SecretBox reading = new SecretBox(key::get, "CALLBACK_SECRETS_KEY");
        String sealedBefore = reading.seal("alice", "whsec_YQ==");
        key.set(KEY + "-next");
        assertThrows(UnreadableSecretException.class, () -> reading.open("alice", sealedBefore));
        assertEquals("whsec_YQ==", reading.open("alice", reading.seal("alice", "whsec_YQ==")));
    }
}
