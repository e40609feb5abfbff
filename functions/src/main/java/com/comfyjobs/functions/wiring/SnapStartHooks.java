package com.comfyjobs.functions.wiring;

import com.comfyjobs.artifacts.ArtifactStore;
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
 * SnapStart: before the snapshot, warm what the first request would otherwise pay for, then close the
 * Redis connection, because a socket frozen into a snapshot is dead in every restored copy; after
 * restore the next command opens a fresh connection. Also after restore, every secret read from
 * Secrets Manager is forgotten: the snapshot holds values read when the version was published,
 * perhaps long ago, and a secret revoked since must not come back to life in each new copy. Outside
 * SnapStart (and outside Lambda) the hooks never fire.
 *
 * <p>The warm-up runs in these steps, in this order whatever order the runtime notifies resources in
 * (so every hook is one entry of a single registered resource): the store loads its Lua scripts by
 * SHA, reads a job that cannot exist and runs its codec; the S3 client, built lazily outside
 * SnapStart (a GET never needs it), is built (no request: building it reads only configuration and
 * credentials); then each handler runs its own path on synthetic requests ({@link LazyHandler#prime()}),
 * which write nothing and call no ComfyUI; then the connection closes. Handlers are primed only after
 * the store answered: a handler whose store is down may turn to ComfyUI (GET does), and priming must
 * not.
 *
 * <p>A configuration this Redis refuses (a REDIS_SHARDS other than the data was written with, a key
 * layout this version does not know) fails the checkpoint, and with it the version's publication:
 * every copy restored from that snapshot would refuse every request. Anything else that fails (a
 * Redis that cannot be reached, a handler's priming) only costs the warm-up.
 */
final class SnapStartHooks implements Resource {
    /**
     * How often each handler's priming runs: C1 (Lambda's JAVA_TOOL_OPTIONS stop there) compiles a
     * method after about 200 calls, so the snapshot holds the request path compiled, not only loaded.
     */
    static final int PRIMING_ROUNDS = 200;
    /** Entries in registration order; the context holds resources weakly, this list keeps them. */
    private static final List<SnapStartHooks> REGISTERED = new ArrayList<>();
    /** The one resource registered with the runtime, for all entries; null until the first registers. */
    private static Resource registeredResource;

    /** Each entry covers one of the four; the others are null. */
    private final RedisJobStore store;
    private final Secrets secrets;
    private final LazyHandler<?, ?> handler;
    private final ArtifactStore artifacts;

    SnapStartHooks(RedisJobStore store) {
        this(store, null, null, null);
    }

    SnapStartHooks(Secrets secrets) {
        this(null, secrets, null, null);
    }

    SnapStartHooks(LazyHandler<?, ?> handler) {
        this(null, null, handler, null);
    }

    SnapStartHooks(ArtifactStore artifacts) {
        this(null, null, null, artifacts);
    }

    private SnapStartHooks(RedisJobStore store, Secrets secrets, LazyHandler<?, ?> handler, ArtifactStore artifacts) {
        this.store = store;
        this.secrets = secrets;
        this.handler = handler;
        this.artifacts = artifacts;
    }

    static void register(RedisJobStore store) {
        register(new SnapStartHooks(store));
    }

    static void register(Secrets secrets) {
        register(new SnapStartHooks(secrets));
    }

    static void register(LazyHandler<?, ?> handler) {
        register(new SnapStartHooks(handler));
    }

    static void register(ArtifactStore artifacts) {
        register(new SnapStartHooks(artifacts));
    }

    private static synchronized void register(SnapStartHooks hooks) {
        REGISTERED.add(hooks);
        if (registeredResource == null) {
            registeredResource = new Resource() {
                @Override
                public void beforeCheckpoint(Context<? extends Resource> context) {
                    checkpoint(registered());
                }

                @Override
                public void afterRestore(Context<? extends Resource> context) {
                    restore(registered());
                }
            };
            Core.getGlobalContext().register(registeredResource);
        }
    }

    private static synchronized List<SnapStartHooks> registered() {
        return List.copyOf(REGISTERED);
    }

    /** This entry alone, as the registered resource runs all of them. */
    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        checkpoint(List.of(this));
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        restore(List.of(this));
    }

    static void checkpoint(List<SnapStartHooks> hooks) {
        try {
            boolean storesAnswered = true;
            for (SnapStartHooks h : hooks) {
                if (h.store != null) {
                    storesAnswered &= h.primeStore();
                }
            }
            for (SnapStartHooks h : hooks) {
                if (h.artifacts != null) {
                    h.artifacts.client();
                }
            }
            for (SnapStartHooks h : hooks) {
                if (h.handler != null && storesAnswered) {
                    h.primeHandler();
                }
            }
        } finally {
            for (SnapStartHooks h : hooks) {
                if (h.store != null) {
                    h.store.connection().disconnect();
                }
            }
        }
    }

    /** The Redis connection reopens lazily on the first command after restore; secrets are read again on first use. */
    static void restore(List<SnapStartHooks> hooks) {
        for (SnapStartHooks h : hooks) {
            if (h.secrets != null) {
                h.secrets.invalidate();
            }
        }
    }

    /** @return whether the store answered */
    private boolean primeStore() {
        try {
            store.prime();
            store.findById("00000000-0000-4000-8000-000000000000");
            JobJson.parseTimestamp(JobJson.timestamp(Instant.now()));
            return true;
        } catch (ConfigException e) {
            JsonLog.error("SnapStart: this configuration does not match the data in Redis", e);
            throw e;
        } catch (RuntimeException e) {
            JsonLog.warn("SnapStart priming failed", "reason", e.getMessage());
            return false;
        }
    }

    private void primeHandler() {
        try {
            for (int i = 0; i < PRIMING_ROUNDS; i++) {
                handler.prime();
            }
        } catch (RuntimeException e) {
            JsonLog.warn("SnapStart priming failed", "handler", handler.getClass().getName(), "reason", String.valueOf(e.getMessage()));
        }
    }
}
