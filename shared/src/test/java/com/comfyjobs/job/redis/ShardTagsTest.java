package com.comfyjobs.job.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import io.lettuce.core.cluster.SlotHash;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Shards per master on a cluster whose masters hold even, contiguous slot ranges (redis-cli --cluster create). */
class ShardTagsTest {
    /** Shards on each of {@code masters} masters, slots split as redis-cli splits them. */
    private static int[] shardsPerMaster(ShardTags tags, int masters) {
        int[] per = new int[masters];
        for (int i = 0; i < tags.count(); i++) {
            int slot = SlotHash.getSlot(tags.tag(i));
            per[Math.min(masters - 1, (int) (slot / ((double) ShardTags.SLOTS / masters)))]++;
        }
        return per;
    }

    private static double spread(int[] per) {
        return (double) Arrays.stream(per).max().orElseThrow() / Arrays.stream(per).min().orElseThrow();
    }

    @Test
    void theDefaultShardsSplitEvenlyOverThreeAndSixMasters() {
        ShardTags tags = ShardTags.spaced(RedisSettings.DEFAULT_SHARDS);
        assertEquals(List.of(8, 8, 8), Arrays.stream(shardsPerMaster(tags, 3)).boxed().toList());
        assertEquals(List.of(4, 4, 4, 4, 4, 4), Arrays.stream(shardsPerMaster(tags, 6)).boxed().toList());
        for (int masters : new int[] {2, 4, 8, 12}) {
            assertTrue(spread(shardsPerMaster(tags, masters)) <= 1.5, masters + " masters: " + Arrays.toString(shardsPerMaster(tags, masters)));
        }
    }

    @Test
    void theFirstVersionsSixteenTagsLeaveMastersEmpty() {
        assertEquals(List.of(8, 4, 4), Arrays.stream(shardsPerMaster(ShardTags.numbered(16), 3)).boxed().toList());
        assertEquals(0, Arrays.stream(shardsPerMaster(ShardTags.numbered(16), 6)).min().orElseThrow());
        assertTrue(spread(shardsPerMaster(ShardTags.spaced(16), 3)) <= 6.0 / 5, "spaced, 16 shards are as even as 16 allows");
    }

    @Test
    void everyShardHasItsOwnSlotForEveryCount() {
        for (int n = 1; n <= 1024; n = n < 64 ? n + 1 : n * 2) {
            ShardTags tags = ShardTags.spaced(n);
            long slots = java.util.stream.IntStream.range(0, n).map(i -> SlotHash.getSlot(tags.tag(i))).distinct().count();
            assertEquals(n, slots, n + " shards");
        }
    }

    @Test
    void theMarkerSaysWhichTagsTheDataWasWrittenWith() {
        assertEquals("24:spaced", ShardTags.spaced(24).marker());
        assertEquals("16", ShardTags.numbered(16).marker());
        assertEquals("s07", ShardTags.ofMarker("16", "cj").tag(7));
        assertEquals(ShardTags.spaced(24).tag(23), ShardTags.ofMarker("24:spaced", "cj").tag(23));
        for (String unknown : List.of("", "0", "024", "16:packed", "1025", "sixteen", "-3:spaced")) {
            ConfigException e = assertThrows(ConfigException.class, () -> ShardTags.ofMarker(unknown, "cj"), unknown);
            assertTrue(e.getMessage().contains("'" + unknown + "'"), e.getMessage());
        }
    }
}
