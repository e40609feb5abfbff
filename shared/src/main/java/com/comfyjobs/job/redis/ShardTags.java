package com.comfyjobs.job.redis;

import com.comfyjobs.config.ConfigException;
import io.lettuce.core.cluster.SlotHash;

/**
 * The hash tags of a deployment's shards, and the shard-count marker ({@code P:{meta}:shards}) that
 * records them with the data.
 *
 * <p>A Redis Cluster created by {@code redis-cli --cluster create} (ElastiCache does the same) gives
 * each master an even, contiguous range of the 16384 slots. {@link #spaced} tags put shard i's slot
 * near the middle of the i-th of N equal slot ranges, so N shards split over any number of masters
 * that divides N as evenly as N allows: the default 24 shards give 8 per master on 3 masters and 4 on
 * 6. The tag is {@code s<NN>.<k>} with the first k whose slot lies within a quarter range of that
 * middle (found in some 50 CRC16s per shard at start). {@link #numbered} tags ({@code s00}, {@code
 * s01}, ...) are the first version's, whose slots fall where CRC16 puts them: 16 of them land 8/4/4 on
 * three masters. Their marker is the bare shard count, which every version reads; spaced tags are
 * marked {@code <N>:spaced}, which a version without them refuses rather than misread.
 */
final class ShardTags {
    static final int SLOTS = 16384;
    private static final String SPACED = ":spaced";

    private final String[] tags;
    private final boolean spaced;

    private ShardTags(String[] tags, boolean spaced) {
        this.tags = tags;
        this.spaced = spaced;
    }

    static ShardTags numbered(int shards) {
        String[] tags = new String[shards];
        for (int i = 0; i < shards; i++) {
            tags[i] = name(i);
        }
        return new ShardTags(tags, false);
    }

    static ShardTags spaced(int shards) {
        String[] tags = new String[shards];
        double range = (double) SLOTS / shards;
        for (int i = 0; i < shards; i++) {
            double middle = (i + 0.5) * range;
            for (int k = 0; tags[i] == null; k++) {
                String tag = name(i) + "." + k;
                if (Math.abs(SlotHash.getSlot(tag) - middle) <= range / 4) {
                    tags[i] = tag;
                }
            }
        }
        return new ShardTags(tags, true);
    }

    /** The tags a shard-count marker stands for; a marker this version does not know is refused. */
    static ShardTags ofMarker(String marker, String keyPrefix) {
        boolean spaced = marker.endsWith(SPACED);
        String count = spaced ? marker.substring(0, marker.length() - SPACED.length()) : marker;
        int shards;
        try {
            shards = Integer.parseInt(count);
        } catch (NumberFormatException e) {
            shards = 0;
        }
        if (shards < 1 || shards > 1024 || !count.equals(Integer.toString(shards))) {
            throw new ConfigException("the jobs in this Redis (key prefix '" + keyPrefix + "') were written with shards '" + marker
                    + "', which this version does not know: deploy the version that wrote them or a newer one");
        }
        return spaced ? spaced(shards) : numbered(shards);
    }

    private static String name(int shard) {
        return "s" + (shard < 10 ? "0" : "") + shard;
    }

    int count() {
        return tags.length;
    }

    String tag(int shard) {
        return tags[shard];
    }

    String marker() {
        return spaced ? tags.length + SPACED : Integer.toString(tags.length);
    }
}
