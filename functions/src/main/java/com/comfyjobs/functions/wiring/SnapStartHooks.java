package com.comfyjobs.functions.wiring;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.observability.JsonLog;
import com.comfyjobs.query.JobJson;
import com.comfyjobs.secrets.Secrets;
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
 * command opens a fresh connection. Also after restore, every secret read from Secrets Manager is
 * forgotten: the snapshot holds values read when the version was published, perhaps long ago, and a
 * secret revoked since must not come back to life in each new copy. Outside SnapStart (and outside
 * Lambda) the hooks never fire.
 *
 * <p>A configuration this Redis refuses (a REDIS_SHARDS other than the data was written with, a key
 * layout this version does not know) fails the checkpoint, and with it the version's publication:
 * every copy restored from that snapshot would refuse every request. A Redis that cannot be reached
 * only costs the warm-up.
 */
final class SnapStartHooks implements Resource {
    /** The CRaC context holds resources weakly; these references keep them registered. */
    private static final List<SnapStartHooks> REGISTERED = new ArrayList<>();

    /** Each registration covers one of the two; the other is null. */
    private final RedisJobStore store;
    private final Secrets secrets;

    SnapStartHooks(RedisJobStore store) {
        this.store = store;
        this.secrets = null;
    }

    SnapStartHooks(Secrets secrets) {
        this.store = null;
        this.secrets = secrets;
    }

    static void register(RedisJobStore store) {
        register(new SnapStartHooks(store));
    }

    static void register(Secrets secrets) {
        register(new SnapStartHooks(secrets));
    }

    private static synchronized void register(SnapStartHooks hooks) {
        REGISTERED.add(hooks);
        Core.getGlobalContext().register(hooks);
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        if (store == null) {
            return;
        }
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

    /** The Redis connection reopens lazily on the first command after restore; secrets are read again on first use. */
    @Override
    public void afterRestore(Context<? extends Resource> context) {
        if (secrets != null) {
            secrets.invalidate();
        }
    }
}
