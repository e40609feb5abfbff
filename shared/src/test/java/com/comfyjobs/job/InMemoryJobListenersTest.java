package com.comfyjobs.job;

import com.comfyjobs.job.memory.InMemoryJobStore;

class InMemoryJobListenersTest extends JobListenersContract {
    @Override
    protected JobStore newStore() {
        return new InMemoryJobStore();
    }
}
