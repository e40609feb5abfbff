package com.comfyjobs.job;

import com.comfyjobs.job.memory.InMemoryJobStore;

/** The concurrency contract on the in-memory store, which the local stack can run on (JOB_STORE_TYPE=memory). */
class InMemoryJobStoreConcurrencyTest extends JobStoreConcurrencyContract {
    @Override
    protected JobStore newStore() {
        return new InMemoryJobStore();
    }
}
