package com.comfyjobs.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.config.Env;
import com.comfyjobs.functions.GetJobHandler;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.sqlite.SqliteJobStore;
import com.comfyjobs.servers.LocalLambdaContext;
import com.comfyjobs.templates.sqlite.SqliteTemplateStore;
import io.micronaut.context.ApplicationContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * GET /jobs/{id} through the Lambda handler on the SQLite store, as the local stack serves it (event in,
 * identity check, one SELECT of the job's row, JSON with a presigned artifact URL out), against a bare
 * SELECT of the same row, every column read as text, on the same connections.
 */
@State(Scope.Benchmark)
public class SqliteGetJobBenchmark {
    private Path dir;
    private SqliteJobStore store;
    private ApplicationContext context;
    private GetJobHandler handler;
    private APIGatewayV2HTTPEvent event;
    private String id;
    private final LocalLambdaContext lambda = new LocalLambdaContext("GetJobFunction", Duration.ofMinutes(15), 1024);

    @Setup(Level.Trial)
    public void start() throws IOException {
        dir = Files.createTempDirectory("bench-sqlite-get-");
        store = SqliteJobStore.open(dir.resolve("comfyjobs.db"), "SQLITE_PATH", Duration.ofHours(24), Clock.systemUTC());
        System.setProperty("aws.accessKeyId", "bench");
        System.setProperty("aws.secretAccessKey", "bench-secret");
        context = ApplicationContext.builder().singletons(new Env(Map.of("JOB_STORE_TYPE", "sqlite", "ARTIFACT_BUCKET", "bench-bucket",
                "S3_ENDPOINT", "http://127.0.0.1:9", "AWS_REGION", "us-east-1", "METRICS_ENABLED", "false",
                "COMFYUI_URLS", "http://127.0.0.1:9")), store, new SqliteTemplateStore(store.database())).start();
        id = PromptIds.newJobId();
        Instant now = Instant.now();
        Job j = Job.queued(id, "bench-user", JobType.IMAGE_GENERATION, now).promptId(PromptIds.of(id, 1)).nodeCount(7).build();
        store.create(new NewJob(j, BenchWorkflows.standard(), 100, null));
        store.updateStatus(id, JobStatus.RUNNING, now);
        store.updateStatus(id, JobStatus.FINALIZING, now);
        store.transition(Transition.of(id, now).status(JobStatus.SUCCEEDED).artifacts(List.of(new JobArtifact(
                "artifacts/bench-user/" + id + "/1/9/ComfyUI_00001_.png", "ComfyUI_00001_.png", "image/png", 512_000))).build());
        handler = new GetJobHandler(context);
        event = Events.get(id, "bench-user");
        if (ours().getStatusCode() != 200) {
            throw new IllegalStateException("GET did not answer 200");
        }
    }

    @Benchmark
    public APIGatewayV2HTTPResponse ours() {
        return handler.handleRequest(event, lambda);
    }

    @Benchmark
    public List<String> bare() {
        return store.database().read(s -> {
            PreparedStatement ps = s.statement("SELECT * FROM jobs WHERE id = ?");
            ps.setString(1, id);
            List<String> row = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                for (int c = 1; c <= rs.getMetaData().getColumnCount(); c++) {
                    row.add(rs.getString(c));
                }
            }
            return row;
        });
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        context.close();
        store.close();
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
