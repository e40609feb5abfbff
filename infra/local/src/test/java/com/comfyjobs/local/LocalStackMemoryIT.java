package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The local stack's whole flow ({@link LocalStackFlow}) on the in-memory store, JOB_STORE_TYPE=memory. */
class LocalStackMemoryIT extends LocalStackFlow {
    @Override
    String storeType() {
        return "memory";
    }

    @Test
    void startsNoRedisServer() {
        assertNull(stack.redis());
    }
}
