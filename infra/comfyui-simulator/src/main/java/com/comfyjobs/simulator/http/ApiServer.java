package com.comfyjobs.simulator.http;

import com.comfyjobs.simulator.engine.ExecutionLedger;
import com.comfyjobs.simulator.engine.Executor;
import com.comfyjobs.simulator.engine.FaultState;
import com.comfyjobs.simulator.engine.PromptQueue;
import com.comfyjobs.simulator.engine.Session;
import com.comfyjobs.simulator.engine.Validator;
import com.comfyjobs.simulator.nodes.Folders;
import com.comfyjobs.simulator.nodes.NodeCatalog;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/** The simulated ComfyUI's HTTP and WebSocket front end. */
public final class ApiServer {
    private final NettyServer server;
    private final WebSocketHub hub = new WebSocketHub();
    private final RequestCounts requests = new RequestCounts();

    /** Everything the routes read or act on. */
    public record Dependencies(PromptQueue queue, Validator validator, NodeCatalog catalog, Executor executor,
                               ExecutionLedger ledger, Folders folders, FaultState faults, Session session,
                               AdminControl admin, Random errorRandom, String bearerToken,
                               Supplier<List<String>> argv) {
    }

    public ApiServer(String host, int port, String threadName, Dependencies deps) {
        FileRoutes files = new FileRoutes(deps.folders(), deps.faults());
        ApiRoutes api = new ApiRoutes(deps.queue(), deps.validator(), deps.catalog(), deps.executor(), deps.ledger(),
                files, deps.argv());
        AdminRoutes admin = new AdminRoutes(deps.admin());
        this.server = new NettyServer(host, port, threadName, () -> new RequestHandler(api, admin, hub, deps.queue(),
                deps.session(), deps.faults(), deps.errorRandom(), deps.bearerToken(), requests));
    }

    public WebSocketHub hub() {
        return hub;
    }

    public RequestCounts requests() {
        return requests;
    }

    public void startListening() throws InterruptedException {
        server.startListening();
    }

    public void stopListening() throws InterruptedException {
        server.stopListening();
    }

    public boolean isListening() {
        return server.isListening();
    }

    public int port() {
        return server.port();
    }

    public void close() throws InterruptedException {
        server.close();
    }
}
