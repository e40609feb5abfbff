package com.comfyjobs.local;

/** The local stack's whole flow ({@link LocalStackFlow}). On Redis, an embedded redis-server as the local stack brings it when neither REDIS_URL nor REDIS_HOST is set. */
class LocalStackIT extends LocalStackFlow {
    @Override
    String storeType() {
        return "redis";
    }
}
