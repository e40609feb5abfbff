package com.comfyjobs.job;

import com.comfyjobs.job.memory.InMemoryJobStore;

class InMemoryJobStoreTest extends JobStoreContract {
    @Override
    protected JobStore newStore() {
        return new InMemoryJobStore();
    }
}
