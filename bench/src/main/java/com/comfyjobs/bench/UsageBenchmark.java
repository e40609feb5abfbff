package com.comfyjobs.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.config.Env;
import com.comfyjobs.functions.GetUsageHandler;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.UsageDay;
import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisKeys;
import com.comfyjobs.servers.LocalLambdaContext;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.usage.UsageRange;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * GET /usage over the longest range (92 days, each with a job submitted and ended) through the Lambda
 * handler (event in, identity, the range checked, one HGETALL per day pipelined, JSON out) against the
 * same HGETALLs pipelined bare on the same connection.
 */
@State(Scope.Benchmark)
public class UsageBenchmark {
    private static final String USER = "bench-user";
    private RedisNode redis;
    private ApplicationContext context;
    private GetUsageHandler handler;
    private APIGatewayV2HTTPEvent event;
    private RedisConnection connection;
    private final List<String> dayKeys = new ArrayList<>();
    private final LocalLambdaContext lambda = new LocalLambdaContext("GetUsageFunction", Duration.ofMinutes(15), 1024);

    @Setup(Level.Trial)
    public void start() {
        redis = RedisNode.standalone();
        context = ApplicationContext.builder().singletons(new Env(Map.of(
                "REDIS_URL", redis.uri().toString(), "ARTIFACT_BUCKET", "bench-bucket", "S3_ENDPOINT", "http://127.0.0.1:9",
                "AWS_REGION", "us-east-1", "METRICS_ENABLED", "false", "COMFYUI_URLS", "http://127.0.0.1:9"))).start();
        JobStore store = context.getBean(JobStore.class);
        LocalDate to = UsageDay.dayOf(Instant.now());
        LocalDate from = to.minusDays(UsageRange.MAX_DAYS - 1);
        RedisKeys keys = new RedisKeys("cj", 16);
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            Instant at = d.atTime(12, 0).toInstant(ZoneOffset.UTC);
            String id = PromptIds.newJobId();
            Job j = Job.queued(id, USER, JobType.IMAGE_GENERATION, at).promptId(PromptIds.of(id, 1)).nodeCount(7).build();
            store.create(new NewJob(j, BenchWorkflows.standard(), 1000, null));
            store.updateStatus(id, JobStatus.RUNNING, at);
            store.updateStatus(id, JobStatus.FAILED, at.plusSeconds(30));
            dayKeys.add(keys.usage(USER, d));
        }
        handler = new GetUsageHandler(context);
        event = Events.event("GET", "/usage", "GET /usage", null, null, USER, Map.of());
        event.setQueryStringParameters(Map.of("from", from.toString(), "to", to.toString()));
        connection = ((com.comfyjobs.job.redis.RedisJobStore) store).connection();
        APIGatewayV2HTTPResponse first = ours();
        if (first.getStatusCode() != 200 || !first.getBody().contains("\"submitted\":" + UsageRange.MAX_DAYS)) {
            throw new IllegalStateException("GET /usage did not answer the 92 days: " + first.getBody());
        }
    }

    @Benchmark
    public APIGatewayV2HTTPResponse ours() {
        return handler.handleRequest(event, lambda);
    }

    @Benchmark
    public List<Map<String, String>> bare() {
        RedisClusterAsyncCommands<String, String> c = connection.commands();
        List<CompletableFuture<Map<String, String>>> reads = new ArrayList<>();
        for (String k : dayKeys) {
            reads.add(c.hgetall(k).toCompletableFuture());
        }
        List<Map<String, String>> days = new ArrayList<>();
        for (CompletableFuture<Map<String, String>> r : reads) {
            days.add(connection.await(r));
        }
        return days;
    }

    @TearDown(Level.Trial)
    public void stop() {
        context.close();
        redis.close();
    }
}
