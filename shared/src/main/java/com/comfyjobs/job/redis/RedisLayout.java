package com.comfyjobs.job.redis;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.job.MigrationResult;
import com.comfyjobs.job.UsageDay;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The key layout of the data in one Redis, as this container last read it, and its online migration.
 * Every container re-reads the layout marker at most {@link #refresh} after it last did, so a
 * migration that switches the marker knows how long to wait until every writer writes the new layout.
 *
 * <p>A migration (layout 1 to 2) runs in three steps: the marker turns "migrating", from when on new
 * writes use layout 2 and reads of a user's keys fall back to layout 1 (moving what they find); after
 * one refresh interval every container writes layout 2, so a scan moves whatever is left in layout 1;
 * then the marker turns 2. Each step is idempotent; a run cut short is continued by the next. Event
 * markers are not moved: they expire within WEBHOOK_EVENT_TTL_SECONDS, and a webhook redelivered
 * across the switch is only applied again, which every transition tolerates.
 */
final class RedisLayout {
    /** Time for a container's command in flight under the old marker to land, on top of the refresh. */
    private static final Duration SWITCH_MARGIN = Duration.ofSeconds(5);
    private static final int SCAN_COUNT = 500;

    private final RedisConnection redis;
    private final int configuredShards;
    private final String keyPrefix;
    private final Duration refresh;
    private final Clock clock;
    private final LuaScript check = LuaScript.load("layout.lua");
    private final LuaScript usageMerge = LuaScript.load("usage_merge.lua");
    /** A layout-1 day of usage: the raw user id, then the day. */
    private static final Pattern LEGACY_USAGE = Pattern.compile("(.*)\\}:usage:(\\d{4}-\\d{2}-\\d{2})");
    private final ObjectMapper json = new ObjectMapper();
    private final Set<String> adopted = ConcurrentHashMap.newKeySet();
    private volatile KeyLayout.State state;
    private volatile Instant readAt = Instant.MIN;
    /** Known once the markers are read: the names in layout 2 and layout 1, with the data's shard tags. */
    private volatile RedisKeys current;
    private volatile RedisKeys legacy;

    /** {@code configuredShards}: REDIS_SHARDS, 0 when not set (the data decides). */
    RedisLayout(RedisConnection redis, int configuredShards, String keyPrefix, Duration refresh, Clock clock) {
        this.redis = redis;
        this.configuredShards = configuredShards;
        this.keyPrefix = keyPrefix;
        this.refresh = refresh;
        this.clock = clock;
    }

    LuaScript script() {
        return check;
    }

    /**
     * The keys to write with now. The first call also reads the shard count and tags the data was
     * written with (REDIS_SHARDS, when set, must be that count) and records both and the layout for a
     * fresh deployment; a layout this code does not know stops it with a message that says so.
     */
    RedisKeys keys(RedisClusterAsyncCommands<String, String> c) {
        KeyLayout.State s = state;
        Instant now = clock.instant();
        if (s == null) {
            RedisKeys names = new RedisKeys(keyPrefix, 1);
            ShardTags fresh = ShardTags.spaced(configuredShards == 0 ? RedisSettings.DEFAULT_SHARDS : configuredShards);
            List<Object> r = redis.await(check.<List<Object>>call(c, ScriptOutputType.MULTI,
                    new String[] {names.shardCountMarker(), names.layoutMarker()}, fresh.marker(), KeyLayout.CURRENT.marker()));
            String storedShards = (String) r.get(0);
            ShardTags tags = storedShards.equals(fresh.marker()) ? fresh : ShardTags.ofMarker(storedShards, keyPrefix);
            if (configuredShards != 0 && configuredShards != tags.count()) {
                throw new ConfigException("REDIS_SHARDS is " + configuredShards + " but the jobs in this Redis (key prefix '"
                        + keyPrefix + "') were written with " + tags.count() + " shards; keep the original value or unset it");
            }
            current = new RedisKeys(keyPrefix, tags, KeyLayout.ENCODED);
            legacy = current.in(KeyLayout.RAW);
            s = remember((String) r.get(1), now);
        } else if (now.isAfter(readAt.plus(refresh))) {
            s = remember(redis.await(c.get(current.layoutMarker())), now);
        }
        return s.writes() == KeyLayout.RAW ? legacy : current;
    }

    private KeyLayout.State remember(String marker, Instant now) {
        KeyLayout.State s = KeyLayout.State.parse(marker == null ? KeyLayout.RAW.marker() : marker, keyPrefix);
        state = s;
        readAt = now;
        return s;
    }

    /** True while layout-1 data may still exist beside layout-2 data: reads must look in both. */
    boolean migrating() {
        KeyLayout.State s = state;
        return s != null && s.migrating();
    }

    /** Layout 1's names, for the fallbacks of a migration. */
    RedisKeys legacyKeys() {
        return legacy;
    }

    /** During a migration, moves the user's layout-1 indexes to layout 2 (once per user and container). */
    void adoptUser(RedisClusterAsyncCommands<String, String> c, String userId) {
        if (migrating() && !adopted.contains(userId)) {
            moveSortedSet(c, legacy.userJobs(userId), current.userJobs(userId));
            moveSortedSet(c, legacy.userLive(userId), current.userLive(userId));
            adopted.add(userId);
        }
    }

    /** During a migration, moves one layout-1 idempotency record to layout 2. */
    void adoptIdempotency(RedisClusterAsyncCommands<String, String> c, String userId, String key) {
        if (migrating() && key != null) {
            moveString(c, legacy.idempotency(userId, key), current.idempotency(userId, key));
        }
    }

    MigrationResult migrate(RedisClusterAsyncCommands<String, String> c, Instant deadline) {
        keys(c);
        KeyLayout.State s = remember(redis.await(c.get(current.layoutMarker())), clock.instant());
        if (!s.migrating() && s.writes() == KeyLayout.CURRENT) {
            return new MigrationResult(true, 0, "the data is in layout " + KeyLayout.CURRENT.marker() + " already");
        }
        if (!s.migrating()) {
            s = KeyLayout.State.migratingSince(clock.instant());
            redis.await(c.set(current.layoutMarker(), s.marker()));
            state = s;
        }
        Instant everyoneSwitched = s.migratingSince().plus(refresh).plus(SWITCH_MARGIN);
        if (everyoneSwitched.isAfter(deadline)) {
            return new MigrationResult(false, 0, "migrating: containers switch to layout " + KeyLayout.CURRENT.marker()
                    + " by " + everyoneSwitched + "; run again after that");
        }
        sleepUntil(everyoneSwitched);
        long moved = 0;
        ScanArgs match = ScanArgs.Builder.matches(legacy.legacyUserPrefix() + "*").limit(SCAN_COUNT);
        KeyScanCursor<String> page = redis.await(c.scan(match));
        while (true) {
            for (String key : page.getKeys()) {
                moved += moveLegacyKey(c, key);
            }
            if (page.isFinished()) {
                break;
            }
            if (!clock.instant().isBefore(deadline)) {
                return new MigrationResult(false, moved, "migrating: the scan ran out of time; run again to go on");
            }
            page = redis.await(c.scan(page, match));
        }
        redis.await(c.set(current.layoutMarker(), KeyLayout.CURRENT.marker(), SetArgs.Builder.xx()));
        remember(KeyLayout.CURRENT.marker(), clock.instant());
        return new MigrationResult(true, moved, "the data is in layout " + KeyLayout.CURRENT.marker() + " now");
    }

    /**
     * Moves one layout-1 user key to its layout-2 name. Its type tells what it is (in layout 1 a user
     * id could make an index and a record share a name). Sorted sets are named by a fixed suffix, so
     * their user is known; an idempotency record's user is taken from the job it names where that job
     * still exists, since a raw user id may itself contain the separator.
     */
    private long moveLegacyKey(RedisClusterAsyncCommands<String, String> c, String key) {
        String rest = key.substring(legacy.legacyUserPrefix().length());
        String type = redis.await(c.type(key));
        if ("hash".equals(type)) {
            Matcher usage = LEGACY_USAGE.matcher(rest);
            return usage.matches() ? moveUsage(c, key, current.usage(usage.group(1), LocalDate.parse(usage.group(2)))) : 0;
        }
        if ("zset".equals(type)) {
            if (rest.endsWith("}:jobs")) {
                return moveSortedSet(c, key, current.userJobs(rest.substring(0, rest.length() - "}:jobs".length())));
            }
            if (rest.endsWith("}:live")) {
                return moveSortedSet(c, key, current.userLive(rest.substring(0, rest.length() - "}:live".length())));
            }
            return 0;
        }
        int split = rest.indexOf("}:idem:");
        if (!"string".equals(type) || split < 0) {
            return 0;
        }
        String record = redis.await(c.get(key));
        if (record == null) {
            return 0;
        }
        String user = rest.substring(0, split);
        String jobUser = redis.await(c.hget(current.job(jobIdOf(record)), JobHashCodec.USER));
        if (jobUser != null && rest.startsWith(jobUser + "}:idem:")) {
            user = jobUser;
        }
        return moveString(c, key, current.idempotency(user, rest.substring(user.length() + "}:idem:".length())));
    }

    private String jobIdOf(String record) {
        try {
            JsonNode r = json.readTree(record);
            return r.path("jobId").asText("");
        } catch (IOException e) {
            return "";
        }
    }

    private long moveSortedSet(RedisClusterAsyncCommands<String, String> c, String from, String to) {
        List<ScoredValue<String>> entries = redis.await(c.zrangeWithScores(from, 0, -1));
        if (entries.isEmpty()) {
            return 0;
        }
        redis.await(c.zadd(to, entries.toArray(ScoredValue[]::new)));
        redis.await(c.del(from));
        return 1;
    }

    /** Counters are added into the layout-2 day (usage_merge.lua), which may have counts of its own already. */
    private long moveUsage(RedisClusterAsyncCommands<String, String> c, String from, String to) {
        Map<String, String> counts = redis.await(c.hgetall(from));
        if (counts.isEmpty()) {
            return 0;
        }
        List<String> args = new ArrayList<>(List.of(from, Long.toString(UsageDay.RETENTION.toMillis())));
        counts.forEach((field, value) -> {
            args.add(field);
            args.add(value);
        });
        redis.await(usageMerge.<Long>call(c, ScriptOutputType.INTEGER, new String[] {to}, args.toArray(String[]::new)));
        redis.await(c.del(from));
        return 1;
    }

    private long moveString(RedisClusterAsyncCommands<String, String> c, String from, String to) {
        String value = redis.await(c.get(from));
        if (value == null) {
            return 0;
        }
        long ttl = redis.await(c.pttl(from));
        SetArgs args = SetArgs.Builder.nx();
        if (ttl > 0) {
            args.px(ttl);
        }
        redis.await(c.set(to, value, args));
        redis.await(c.del(from));
        return 1;
    }

    private void sleepUntil(Instant t) {
        long ms = Duration.between(clock.instant(), t).toMillis();
        if (ms > 0) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for containers to switch layouts", e);
            }
        }
    }
}
