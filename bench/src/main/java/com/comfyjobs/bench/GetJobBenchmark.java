package com.comfyjobs.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.config.Env;
import com.comfyjobs.functions.GetJobHandler;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisKeys;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.LocalLambdaContext;
import com.comfyjobs.servers.RedisNode;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * GET /jobs/{id} through the Lambda handler (event in, identity check, one HGETALL, JSON with a
 * presigned artifact URL out) against a bare HGETALL of the same key on the same connection.
 */
@State(Scope.Benchmark)
public class GetJobBenchmark {
    private RedisNode redis;
    private ApplicationContext context;
    private GetJobHandler handler;
    private APIGatewayV2HTTPEvent event;
    private RedisConnection connection;
    private String jobKey;
    private final LocalLambdaContext lambda = new LocalLambdaContext("GetJobFunction", Duration.ofMinutes(15), 1024);

    @Setup(Level.Trial)
    public void start() {
        redis = RedisNode.standalone();
        System.setProperty("aws.accessKeyId", "bench");
        System.setProperty("aws.secretAccessKey", "bench-secret");
        context = ApplicationContext.builder().singletons(new Env(Map.of(
                "REDIS_URL", redis.uri().toString(), "ARTIFACT_BUCKET", "bench-bucket", "S3_ENDPOINT", "http://127.0.0.1:9",
                "AWS_REGION", "us-east-1", "METRICS_ENABLED", "false", "COMFYUI_URLS", "http://127.0.0.1:9"))).start();
        JobStore store = context.getBean(JobStore.class);
        String id = PromptIds.newJobId();
        Instant now = Instant.now();
        Job j = Job.queued(id, "bench-user", JobType.IMAGE_GENERATION, now).promptId(PromptIds.of(id, 1)).nodeCount(7).build();
        store.create(new NewJob(j, BenchWorkflows.standard(), 100, null));
        store.updateStatus(id, JobStatus.RUNNING, now);
        store.updateStatus(id, JobStatus.FINALIZING, now);
        store.transition(Transition.of(id, now).status(JobStatus.SUCCEEDED).artifacts(List.of(new JobArtifact(
                "artifacts/bench-user/" + id + "/1/9/ComfyUI_00001_.png", "ComfyUI_00001_.png", "image/png", 512_000))).build());
        handler = new GetJobHandler(context);
        event = Events.get(id, "bench-user");
        connection = ((com.comfyjobs.job.redis.RedisJobStore) store).connection();
        jobKey = new RedisKeys("cj", RedisSettings.DEFAULT_SHARDS).job(id);
        if (ours().getStatusCode() != 200) {
            throw new IllegalStateException("GET did not answer 200");
        }
    }

    @Benchmark
    public APIGatewayV2HTTPResponse ours() {
        return handler.handleRequest(event, lambda);
    }

    @Benchmark
    public Map<String, String> bare() {
        return connection.await(connection.commands().hgetall(jobKey));
    }

    @TearDown(Level.Trial)
    public void stop() {
        context.close();
        redis.close();
    }
}
