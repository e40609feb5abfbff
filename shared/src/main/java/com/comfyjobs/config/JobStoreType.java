package com.comfyjobs.config;

import java.util.Locale;

/**
 * Where jobs and templates are kept, from JOB_STORE_TYPE: {@code redis} (the default, and the only
 * store the Lambda functions take: every container of every function must see the same jobs),
 * {@code memory} (one process, gone when it stops) or {@code sqlite} (one file, SQLITE_PATH), for the
 * local stack and one-box serving. The process that runs a memory or SQLite store builds it.
 */
public enum JobStoreType {
    REDIS,
    MEMORY,
    SQLITE;

    public static final String VARIABLE = "JOB_STORE_TYPE";

    /** JOB_STORE_TYPE, {@link #REDIS} when unset. */
    public static JobStoreType fromEnv(Env env) {
        String v = env.raw("JOB_STORE_TYPE");
        if (v == null) {
            return REDIS;
        }
        for (JobStoreType t : values()) {
            if (t.wire().equals(v.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new ConfigException(VARIABLE + " must be redis, memory or sqlite, was '" + v + "'");
    }

    /** As JOB_STORE_TYPE spells it. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Refuses every store but Redis, for the Lambda functions: a store per container would lose jobs
     * and templates between functions and between containers of one function.
     */
    public static void requireRedis(Env env, String who) {
        JobStoreType t = fromEnv(env);
        if (t != REDIS) {
            throw new ConfigException(VARIABLE + " is " + t.wire() + ", but " + who + " keeps jobs in Redis only: a " + t.wire()
                    + " store lives in one process, so jobs written by one function would be missing in every other;"
                    + " set it to redis or remove it");
        }
    }
}
