package com.comfyjobs.bench;

import com.comfyjobs.artifacts.ArtifactSettings;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.job.sqlite.SqliteJobStore;
import com.comfyjobs.live.LiveUpdates;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.progress.Finalizer;
import com.comfyjobs.progress.WebhookResult;
import com.comfyjobs.progress.WebhookService;
import com.comfyjobs.progress.WebhookVerifier;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A webhook progress event through our whole path on the SQLite store (parse, verify the signature,
 * one guarded transition: a BEGIN IMMEDIATE transaction that reads the job, records the event id,
 * decides with TransitionApplier and writes the job back) against the bare statements a progress
 * event cannot do without, with values computed beforehand, in one BEGIN IMMEDIATE transaction on the
 * same connections: read the job's row, insert the event marker, update progress, step, node and
 * heartbeat. The file is on the machine's disk, as the local stack keeps it.
 */
@State(Scope.Benchmark)
public class SqliteWebhookPathBenchmark {
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private Path dir;
    private SqliteJobStore store;
    private WebhookService service;
    private final List<Job> jobs = new ArrayList<>();
    private SignedDeliveries deliveries;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLong bareEvents = new AtomicLong();

    @Setup(Level.Trial)
    public void start() throws IOException {
        dir = Files.createTempDirectory("bench-sqlite-");
        store = SqliteJobStore.open(dir.resolve("comfyjobs.db"), "SQLITE_PATH", Duration.ofHours(24), Clock.systemUTC());
        Workflow wf = BenchWorkflows.tiny();
        Instant now = Instant.now();
        for (int i = 0; i < WebhookPathBenchmark.JOBS; i++) {
            String id = PromptIds.newJobId();
            Job j = Job.queued(id, "bench-user-" + (i % 50), JobType.IMAGE_GENERATION, now).promptId(PromptIds.of(id, 1))
                    .comfyServer("http://127.0.0.1:8188").nodeCount(7).submittedAt(now).build();
            store.create(new NewJob(j, wf, 1_000_000, null));
            store.updateStatus(id, JobStatus.RUNNING, now);
            jobs.add(j);
        }
        ComfyUiPool pool = new ComfyUiPool(ComfyUiSettings.of(List.of(URI.create("http://127.0.0.1:9"))), Clock.systemUTC());
        ArtifactStore artifacts = ArtifactStore.create(ArtifactSettings.of("bench-bucket", URI.create("http://127.0.0.1:9")));
        Finalizer finalizer = new Finalizer(store, pool, artifacts, Clock.systemUTC(), JobObserver.NONE);
        // as in WebhookPathBenchmark: the jobs have no webhook, so no callback is enqueued and there is no sender
        service = new WebhookService(store, WebhookVerifier.fromList(WebhookPathBenchmark.SECRET, "SECRET"), finalizer, pool,
                ServiceSettings.defaults(), Clock.systemUTC(), JobObserver.NONE, null, LiveUpdates.NONE);
    }

    /** Fresh deliveries for the iteration: Standard Webhooks refuses timestamps older than five minutes. */
    @Setup(Level.Iteration)
    public void sign() throws Exception {
        deliveries = SignedDeliveries.progress(jobs, WebhookPathBenchmark.SECRET, Integer.getInteger("bench.deliveries", 400_000));
        next.set(0);
    }

    @Benchmark
    public WebhookResult ours() throws Exception {
        int i = next.getAndIncrement();
        if (i >= deliveries.size()) {
            throw new IllegalStateException("raise -Dbench.deliveries: the iteration used up its " + deliveries.size() + " signed deliveries");
        }
        WebhookResult r = service.handle(deliveries.bodies[i], deliveries.headers.get(i));
        if (r.applied() != 1) {
            throw new IllegalStateException("event not applied: " + r);
        }
        return r;
    }

    @Benchmark
    public Object bare() {
        long n = bareEvents.getAndIncrement();
        String id = jobs.get((int) (n % jobs.size())).id();
        Instant now = Instant.now();
        String at = ISO.format(now);
        return store.database().write(s -> {
            PreparedStatement read = s.statement("SELECT * FROM jobs WHERE id = ?");
            read.setString(1, id);
            try (ResultSet rs = read.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("no job " + id);
                }
            }
            PreparedStatement marker = s.statement("INSERT INTO events (job_id, event_id, shard, expires_at) VALUES (?, ?, ?, ?)");
            marker.setString(1, id);
            marker.setString(2, "bare-" + n);
            marker.setInt(3, store.shardOf(id));
            marker.setString(4, ISO.format(now.plusSeconds(3600)));
            marker.executeUpdate();
            PreparedStatement update = s.statement("UPDATE jobs SET progress = ?, current_node = '3', step_value = ?, step_max = 20,"
                    + " updated_at = ?, heartbeat_at = ?, last_op = ? WHERE id = ?");
            update.setDouble(1, (n % 20) / 20.0 / 7);
            update.setInt(2, (int) (n % 20));
            update.setString(3, at);
            update.setString(4, at);
            update.setString(5, "bare-" + n);
            update.setString(6, id);
            return update.executeUpdate();
        });
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        store.close();
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
