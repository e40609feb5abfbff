package com.comfyjobs.job.redis;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Clock;

/**
 * What the parts of {@link RedisJobStore} share: one connection, the key layout of the data (checked
 * on first use, re-read now and then), the job's hash codec and the clock.
 */
abstract class RedisStorePart {
    final RedisConnection redis;
    final RedisSettings settings;
    final RedisLayout layout;
    final ObjectMapper json;
    final JobHashCodec codec;
    final Clock clock;

    RedisStorePart(RedisConnection redis, RedisLayout layout, ObjectMapper json, Clock clock) {
        this.redis = redis;
        this.settings = redis.settings();
        this.layout = layout;
        this.json = json;
        this.codec = new JobHashCodec(json);
        this.clock = clock;
    }

    RedisStorePart(RedisStorePart shared) {
        this(shared.redis, shared.layout, shared.json, shared.clock);
    }

    RedisClusterAsyncCommands<String, String> cmd() {
        RedisClusterAsyncCommands<String, String> c = redis.commands();
        layout.keys(c);
        return c;
    }

    /** Key names in the layout written now. */
    RedisKeys keys() {
        return layout.keys(redis.commands());
    }
}
