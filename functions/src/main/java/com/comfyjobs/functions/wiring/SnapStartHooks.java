package com.comfyjobs.functions.wiring;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.functions.http.JobJson;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.observability.JsonLog;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * SnapStart: before the snapshot, warm what the first request would otherwise pay for (the Lua
 * scripts loaded by SHA, one JSON round trip through the job mapping) and close the Redis connection,
 * because a socket frozen into a snapshot is dead in every restored copy; after restore the next
 * command opens a fresh connection. Outside SnapStart (and outside Lambda) the hooks never fire.
 *
 * <p>A configuration this Redis refuses (a REDIS_SHARDS other than the data was written with, a key
 * layout this version does not know) fails the checkpoint, and with it the version's publication:
 * every copy restored from that snapshot would refuse every request. A Redis that cannot be reached
 * only costs the warm-up.
 */
final class SnapStartHooks implements Resource {
    /** The CRaC context holds resources weakly; these references keep them registered. */
    private static final List<SnapStartHooks> REGISTERED = new ArrayList<>();

    private final RedisJobStore store;

    SnapStartHooks(RedisJobStore store) {
        this.store = store;
    }

    static synchronized void register(RedisJobStore store) {
        SnapStartHooks hooks = new SnapStartHooks(store);
        REGISTERED.add(hooks);
        Core.getGlobalContext().register(hooks);
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        try {
            store.prime();
            store.findById("00000000-0000-4000-8000-000000000000");
            JobJson.parseTimestamp(JobJson.timestamp(Instant.now()));
        } catch (ConfigException e) {
            JsonLog.error("SnapStart: this configuration does not match the data in Redis", e);
            throw e;
        } catch (RuntimeException e) {
            JsonLog.warn("SnapStart priming failed", "reason", e.getMessage());
        } finally {
            store.connection().disconnect();
        }
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // The connection reopens lazily on the first command after restore.
    }
}
