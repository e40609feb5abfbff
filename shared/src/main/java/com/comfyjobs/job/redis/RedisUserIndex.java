package com.comfyjobs.job.redis;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobPage;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.ListCursor;
import com.comfyjobs.job.StateStoreUnavailableException;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A user's jobs in the user's own slot: the index of all of them by creation time (listing, newest
 * first) and the index of the live ones (the cap). Entries whose job is gone are dropped when met.
 */
final class RedisUserIndex extends RedisStorePart {
    private static final int LIST_BATCH = 100;
    private static final int LIST_SCAN_BUDGET = 1000;

    RedisUserIndex(RedisStorePart shared) {
        super(shared);
    }

    JobPage findByUserId(String userId, Set<JobStatus> statusFilter, int limit, String cursor) {
        RedisKeys k = keys();
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        RedisClusterAsyncCommands<String, String> c = cmd();
        layout.adoptUser(c, userId);
        String index = k.userJobs(userId);
        ListCursor.Position from = cursor == null ? null : ListCursor.decode(cursor);
        List<Job> page = new ArrayList<>();
        List<String> dangling = new ArrayList<>();
        long graceEdge = clock.millis() - RedisAdmission.INDEX_GRACE.toMillis();
        ListCursor.Position last = from;
        int scanned = 0;
        int offset = 0;
        while (true) {
            Range<Double> range = last == null ? Range.create(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY)
                    : Range.create(Double.NEGATIVE_INFINITY, (double) last.score());
            List<ScoredValue<String>> batch = redis.await(c.zrevrangebyscoreWithScores(index, range, Limit.create(offset, LIST_BATCH)));
            List<ScoredValue<String>> fresh = new ArrayList<>();
            for (ScoredValue<String> e : batch) {
                if (last == null || last.isBefore((long) e.getScore(), e.getValue())) {
                    fresh.add(e);
                }
            }
            // A full batch of entries tied with the last position: step over them instead of re-reading them.
            offset = fresh.isEmpty() ? offset + batch.size() : 0;
            List<CompletableFuture<Map<String, String>>> loads = new ArrayList<>();
            for (ScoredValue<String> e : fresh) {
                loads.add(c.hgetall(k.job(e.getValue())).toCompletableFuture());
            }
            for (int i = 0; i < fresh.size(); i++) {
                ScoredValue<String> e = fresh.get(i);
                Map<String, String> h = redis.await(loads.get(i));
                scanned++;
                if (h.isEmpty() || !userId.equals(h.get(JobHashCodec.USER))) {
                    if (e.getScore() < graceEdge) {
                        dangling.add(e.getValue());
                    }
                } else {
                    Job j = codec.decode(h);
                    if (statusFilter.isEmpty() || statusFilter.contains(j.status())) {
                        if (page.size() == limit) {
                            prune(userId, dangling);
                            return new JobPage(page, ListCursor.encode(last));
                        }
                        page.add(j);
                    }
                }
                last = new ListCursor.Position((long) e.getScore(), e.getValue());
                if (scanned >= LIST_SCAN_BUDGET) {
                    prune(userId, dangling);
                    boolean more = i < fresh.size() - 1 || batch.size() == LIST_BATCH;
                    return new JobPage(page, more ? ListCursor.encode(last) : null);
                }
            }
            if (batch.size() < LIST_BATCH) {
                prune(userId, dangling);
                return new JobPage(page, null);
            }
        }
    }

    /** Drops index entries of jobs that are gone; a repair, so a failure here never fails what called it. */
    void prune(String userId, List<String> dangling) {
        if (!dangling.isEmpty()) {
            String[] ids = dangling.toArray(String[]::new);
            RedisClusterAsyncCommands<String, String> c = cmd();
            List<CompletableFuture<Long>> removals = new ArrayList<>();
            for (String index : userIndexes(userId)) {
                removals.add(c.zrem(index, ids).toCompletableFuture());
            }
            try {
                removals.forEach(redis::await);
            } catch (StateStoreUnavailableException e) {
                // the entries are dropped again the next time they are met
            }
        }
    }

    /** The user's job and live indexes, in both layouts while a migration runs (their entries may be in either). */
    List<String> userIndexes(String userId) {
        RedisKeys k = keys();
        if (!layout.migrating()) {
            return List.of(k.userJobs(userId), k.userLive(userId));
        }
        RedisKeys old = layout.legacyKeys();
        return List.of(k.userJobs(userId), k.userLive(userId), old.userJobs(userId), old.userLive(userId));
    }

    long countByUserId(String userId) {
        layout.adoptUser(cmd(), userId);
        return redis.await(cmd().zcard(keys().userJobs(userId)));
    }

    long countActiveByUserId(String userId) {
        layout.adoptUser(cmd(), userId);
        return redis.await(cmd().zcard(keys().userLive(userId)));
    }
}
