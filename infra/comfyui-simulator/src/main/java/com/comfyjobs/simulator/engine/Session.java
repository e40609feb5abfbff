package com.comfyjobs.simulator.engine;

/**
 * PromptServer.client_id and last_node_id: the client of the prompt last started and the node it is on,
 * which a reconnecting WebSocket of that client is told about.
 */
public final class Session {
    private volatile String clientId;
    private volatile String lastNodeId;

    public String clientId() {
        return clientId;
    }

    public String lastNodeId() {
        return lastNodeId;
    }

    void clientId(String value) {
        clientId = value;
    }

    void lastNodeId(String value) {
        lastNodeId = value;
    }

    public void reset() {
        clientId = null;
        lastNodeId = null;
    }
}
