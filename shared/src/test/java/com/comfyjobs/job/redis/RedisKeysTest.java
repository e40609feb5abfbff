package com.comfyjobs.job.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.cluster.SlotHash;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Caller text in Redis keys: never another caller's key, never another caller's slot. */
class RedisKeysTest {
    private final RedisKeys keys = new RedisKeys("cj", 16);

    @Test
    void encodingIsInjectiveAndLeavesNoBraceOrColon() {
        Random random = new Random(20261201);
        String alphabet = "ab%{}:7";
        Map<String, String> seen = new HashMap<>();
        for (int i = 0; i < 200_000; i++) {
            StringBuilder b = new StringBuilder();
            for (int n = random.nextInt(8); n > 0; n--) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String text = b.toString();
            String encoded = RedisKeys.encode(text);
            assertFalse(encoded.contains("{") || encoded.contains("}") || encoded.contains(":"), encoded);
            String before = seen.putIfAbsent(encoded, text);
            assertTrue(before == null || before.equals(text), "'" + before + "' and '" + text + "' both encode to " + encoded);
        }
        assertEquals("auth0|5f1c", RedisKeys.encode("auth0|5f1c"), "ordinary ids stay readable");
    }

    @Test
    void everyKeyOfAUserIsInThatUsersSlotWhateverTheIdContains() {
        for (String user : List.of("alice", "u1}:idem:zz", "a{b}c", "x:y", "%7D", "")) {
            int slot = SlotHash.getSlot(keys.userJobs(user));
            assertEquals(slot, SlotHash.getSlot(keys.userLive(user)), user);
            assertEquals(slot, SlotHash.getSlot(keys.idempotency(user, "k}{:%")), user);
            assertEquals(SlotHash.getSlot("user:" + RedisKeys.encode(user)), slot, "the hash tag is ours: " + user);
        }
    }

    @Test
    void noUserIdOrKeyNamesAnotherUsersKey() {
        assertFalse(keys.userJobs("u1}:idem:zz").equals(keys.idempotency("u1", "zz}:jobs")));
        assertFalse(keys.userLive("a").equals(keys.idempotency("a", "live")));
        assertFalse(keys.idempotency("a:b", "c").equals(keys.idempotency("a", "b:c")));
        assertFalse(keys.event("j", "e:1").equals(keys.event("j", "e%3A1")));
    }
}
