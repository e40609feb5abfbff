package com.comfyjobs.simulator;

import com.comfyjobs.simulator.engine.EventBus;
import com.comfyjobs.simulator.engine.ExecutionLedger;
import com.comfyjobs.simulator.engine.Executor;
import com.comfyjobs.simulator.engine.FaultState;
import com.comfyjobs.simulator.engine.Generation;
import com.comfyjobs.simulator.engine.PromptFate;
import com.comfyjobs.simulator.engine.PromptQueue;
import com.comfyjobs.simulator.engine.Session;
import com.comfyjobs.simulator.engine.Timing;
import com.comfyjobs.simulator.engine.Validator;
import com.comfyjobs.simulator.engine.Worker;
import com.comfyjobs.simulator.http.ApiServer;
import com.comfyjobs.simulator.json.Json;
import com.comfyjobs.simulator.nodes.Folders;
import com.comfyjobs.simulator.nodes.NodeCatalog;
import com.comfyjobs.simulator.webhook.WebhookSender;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A ComfyUI 0.3.64 stand-in: its HTTP API and WebSocket, its queue, validation, caching and history,
 * real PNG outputs, progress webhooks, and switchable faults. Build with {@link #builder()}, then
 * {@link #start()}; {@link #close()} releases the port and every thread.
 */
public final class ComfyUiSimulator implements AutoCloseable {
    /** The checkpoint names offered when the builder is given none. */
    public static final List<String> DEFAULT_CHECKPOINTS = List.of(
            "dreamshaper_8.safetensors", "sd_xl_base_1.0.safetensors", "v1-5-pruned-emaonly.safetensors");

    private final String host;
    private final Folders folders;
    private final Generation generation = new Generation();
    private final EventBus bus = new EventBus(generation);
    private final FaultState faultState = new FaultState();
    private final Session session = new Session();
    private final ExecutionLedger ledger = new ExecutionLedger();
    private final PromptQueue queue;
    private final Worker worker;
    private final Thread workerThread;
    private final WebhookSender webhooks;
    private final ApiServer server;
    private final Faults faults;
    private final ScheduledExecutorService control;
    private boolean started;
    private boolean closed;

    private ComfyUiSimulator(Builder b) {
        this.host = b.host;
        this.folders = b.folders();
        String name = "comfyui-sim-" + Integer.toHexString(System.identityHashCode(this));
        Random random = new Random(b.randomSeed);
        List<String> checkpoints = b.checkpoints.stream().sorted().toList();
        NodeCatalog catalog = new NodeCatalog(folders, () -> checkpoints);
        this.queue = new PromptQueue(generation, b.historyCap, info -> {
            ObjectNode data = Json.object();
            data.set("status", info);
            bus.send("status", data, null);
        }, ledger);
        Executor executor = new Executor(catalog, bus, generation, faultState, session,
                new Timing(b.stepMillis, b.nodeMillis), new Random(random.nextLong()));
        this.worker = new Worker(queue, executor, bus, generation, faultState, ledger);
        this.workerThread = new Thread(worker, name + "-worker");
        this.workerThread.setDaemon(true);
        this.webhooks = new WebhookSender(b.webhook, new Random(random.nextLong()), name + "-webhook");
        this.control = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, name + "-control");
            thread.setDaemon(true);
            return thread;
        });
        this.faults = new Faults(this, faultState, queue);
        List<String> argv = new ArrayList<>(b.argv);
        this.server = new ApiServer(host, b.port, name, new ApiServer.Dependencies(queue, new Validator(catalog), catalog,
                executor, ledger, folders, faultState, session, new SimulatorAdmin(this), new Random(random.nextLong()),
                b.bearerToken, () -> argv.isEmpty() ? List.of("main.py", "--listen", host, "--port", Integer.toString(port())) : argv));
        bus.addListener(server.hub());
        bus.addListener(webhooks);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts listening and working; calling it again does nothing. */
    public synchronized ComfyUiSimulator start() {
        if (closed) {
            throw new IllegalStateException("the simulator is closed");
        }
        if (!started) {
            listen();
            workerThread.start();
            started = true;
        }
        return this;
    }

    public URI baseUri() {
        String shownHost = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + shownHost + ":" + port());
    }

    /** "http://host:port", without a trailing slash. */
    public String baseUrl() {
        return baseUri().toString();
    }

    public int port() {
        return server.port();
    }

    public Faults faults() {
        return faults;
    }

    public Path outputDir() {
        return folders.output();
    }

    public Path inputDir() {
        return folders.input();
    }

    public Path tempDir() {
        return folders.temp();
    }

    /** Where an output named in history ({"filename", "subfolder", "type": "output"}) is on disk. */
    public Path outputFile(String filename, String subfolder) {
        Path dir = subfolder == null || subfolder.isEmpty() ? folders.output() : folders.output().resolve(subfolder);
        return dir.resolve(filename);
    }

    /** How many times the worker started executing this prompt id; survives restarts. */
    public int executionCount(String promptId) {
        return ledger.executionCount(promptId);
    }

    public long totalExecutions() {
        return ledger.totalExecutions();
    }

    /**
     * How each queued copy of this prompt id ended (completed, failed, interrupted, removed from the
     * queue, lost in a restart), in order; empty while it is pending or running. Survives restarts.
     */
    public List<PromptFate> fates(String promptId) {
        return ledger.fates(promptId);
    }

    /** Every prompt id POST /prompt accepted, in order, duplicates included; survives restarts. */
    public List<String> submittedPrompts() {
        return ledger.submittedPrompts();
    }

    /** Requests to ComfyUI's routes (not the /_sim/ admin ones) since start, by method and first path segment: "GET /history". */
    public Map<String, Long> requestCounts() {
        return server.requests().snapshot();
    }

    public WebhookStats webhookStats() {
        return webhooks.stats();
    }

    /** Sets, replaces or (with null) removes the webhook target; events already queued go to the new one. */
    public void webhook(WebhookOptions options) {
        webhooks.configure(options);
    }

    public WebhookOptions webhookOptions() {
        return webhooks.options();
    }

    /**
     * Waits until nothing is pending or running and no webhook is queued, held back or in flight.
     * Returns false on timeout (for example when a prompt crashed mid-node or the queue is held).
     */
    public boolean awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isIdle()) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private boolean isIdle() {
        return !worker.isBusy() && queue.isIdle() && webhooks.isIdle();
    }

    /** A ComfyUI restart: queue, running prompt, history, cache and sockets are gone; files stay. */
    synchronized void restart() {
        queue.reset(bus::advanceGeneration);
        session.reset();
        server.hub().closeAll();
        webhooks.reset();
    }

    void stopListening() {
        try {
            server.stopListening();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void startListening() {
        listen();
    }

    /** Binds the port; Netty rethrows a BindException undeclared, so every failure is wrapped here. */
    private void listen() {
        try {
            server.startListening();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding " + host + ":" + server.port(), e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + host + ":" + server.port() + ": " + e.getMessage(), e);
        }
    }

    boolean isListening() {
        return server.isListening();
    }

    /** Runs {@code action} off the I/O threads after {@code delayMillis} (admin actions that cut connections). */
    void later(Runnable action, long delayMillis) {
        control.schedule(action, delayMillis, TimeUnit.MILLISECONDS);
    }

    FaultState faultState() {
        return faultState;
    }

    ExecutionLedger ledger() {
        return ledger;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        bus.close();
        queue.wake();
        control.shutdownNow();
        webhooks.close();
        try {
            server.close();
            if (started) {
                workerThread.join(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Configures a simulator; every setting has a default. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8188;
        private long stepMillis = 50;
        private long nodeMillis = 10;
        private Path outputDir;
        private Path inputDir;
        private Path tempDir;
        private List<String> checkpoints = DEFAULT_CHECKPOINTS;
        private int historyCap = 10_000;
        private String bearerToken;
        private WebhookOptions webhook;
        private long randomSeed = System.nanoTime();
        private List<String> argv = List.of();

        private Builder() {
        }

        public Builder host(String value) {
            host = Objects.requireNonNull(value);
            return this;
        }

        /** 0 picks a free port; {@link #port()} tells which after start. */
        public Builder port(int value) {
            if (value < 0 || value > 65535) {
                throw new IllegalArgumentException("port must be within 0..65535");
            }
            port = value;
            return this;
        }

        public Builder stepMillis(long value) {
            stepMillis = nonNegative(value, "stepMillis");
            return this;
        }

        public Builder nodeMillis(long value) {
            nodeMillis = nonNegative(value, "nodeMillis");
            return this;
        }

        public Builder outputDir(Path value) {
            outputDir = value;
            return this;
        }

        public Builder inputDir(Path value) {
            inputDir = value;
            return this;
        }

        public Builder tempDir(Path value) {
            tempDir = value;
            return this;
        }

        public Builder checkpoints(List<String> value) {
            checkpoints = List.copyOf(value);
            return this;
        }

        /** History entries kept; like ComfyUI the oldest is dropped when a new entry finds more than this. */
        public Builder historyCap(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("historyCap must be >= 0");
            }
            historyCap = value;
            return this;
        }

        /** When set, every request needs "Authorization: Bearer &lt;token&gt;". */
        public Builder bearerToken(String value) {
            bearerToken = value;
            return this;
        }

        public Builder webhook(WebhookOptions value) {
            webhook = value;
            return this;
        }

        /** Seeds the fault knobs' randomness (webhook drop/duplicate/reorder, server errors) for reproducible runs. */
        public Builder randomSeed(long value) {
            randomSeed = value;
            return this;
        }

        /** The argv /system_stats reports (the command line, when run from SimulatorMain). */
        public Builder argv(List<String> value) {
            argv = List.copyOf(value);
            return this;
        }

        public ComfyUiSimulator build() {
            return new ComfyUiSimulator(this);
        }

        private static long nonNegative(long value, String name) {
            if (value < 0) {
                throw new IllegalArgumentException(name + " must be >= 0");
            }
            return value;
        }

        private Folders folders() {
            try {
                Path base = outputDir != null && inputDir != null && tempDir != null ? null
                        : Files.createTempDirectory("comfyui-sim-");
                Path output = outputDir != null ? outputDir : base.resolve("output");
                Path input = inputDir != null ? inputDir : base.resolve("input");
                Path temp = tempDir != null ? tempDir : base.resolve("temp");
                Files.createDirectories(output);
                Files.createDirectories(input);
                Files.createDirectories(temp);
                return new Folders(output.toAbsolutePath().normalize(), input.toAbsolutePath().normalize(),
                        temp.toAbsolutePath().normalize());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the simulator's folders", e);
            }
        }
    }
}
