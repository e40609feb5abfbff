package com.comfyjobs.live;

import com.comfyjobs.live.memory.InMemoryLiveConnections;
import java.time.Clock;

class InMemoryLiveConnectionsTest extends LiveConnectionsContract {
    @Override
    protected LiveConnections connections() {
        return new InMemoryLiveConnections(Clock.systemUTC());
    }
}
