package com.comfyjobs.recovery;

import com.comfyjobs.comfyui.ComfyUiClient;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@link ServerSnapshot}s of one recovery run, one per server, read only for a server with at least
 * {@link #FROM_STALE_JOBS} stale jobs in one batch (below that, looking them up one by one is cheaper)
 * and then used for its later jobs too. A snapshot older than {@link #FRESH_FOR} is read again, so a long
 * run does not keep a prompt alive on a queue it has left; every read of one server in the run shares
 * its byte budget. Used by the sweep's one thread.
 */
final class ServerSnapshots {
    static final int FROM_STALE_JOBS = 4;
    static final Duration FRESH_FOR = Duration.ofSeconds(30);

    private final Function<String, ComfyUiClient> clients;
    private final ServerGate gate;
    private final long budgetPerServer;
    private final Instant deadline;
    private final Supplier<Instant> clock;
    private final Map<String, ServerSnapshot> read = new HashMap<>();
    private final Map<String, Long> spent = new HashMap<>();

    ServerSnapshots(Function<String, ComfyUiClient> clients, ServerGate gate, long budgetPerServer, Instant deadline, Supplier<Instant> clock) {
        this.clients = clients;
        this.gate = gate;
        this.budgetPerServer = budgetPerServer;
        this.deadline = deadline;
        this.clock = clock;
    }

    /**
     * The server's snapshot when one is worth having: {@code staleJobs} of the server's jobs wait in the
     * batch, or one was read already. Empty when neither, or its budget is spent.
     */
    Optional<ServerSnapshot> of(String server, int staleJobs) {
        ServerSnapshot known = read.get(server);
        if (known != null && clock.get().isBefore(known.readFrom().plus(FRESH_FOR))) {
            return Optional.of(known);
        }
        if (known == null && staleJobs < FROM_STALE_JOBS) {
            return Optional.empty();
        }
        long left = budgetPerServer - spent.getOrDefault(server, 0L);
        if (left <= 0) {
            return Optional.empty();
        }
        ServerSnapshot fresh = gate.call(server, () -> ServerSnapshot.read(clients.apply(server), left, deadline, clock));
        spent.merge(server, fresh.bytes(), Long::sum);
        read.put(server, fresh);
        return Optional.of(fresh);
    }
}
