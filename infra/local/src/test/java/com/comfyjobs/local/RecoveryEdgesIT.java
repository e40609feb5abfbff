package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.job.redis.RedisKeys;
import com.fasterxml.jackson.databind.JsonNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The edges of recovery, through the local stack: jobs it cannot settle or read must not hide the
 * others from it, and a job that finished on ComfyUI is never thrown away for being late.
 */
class RecoveryEdgesIT {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private LocalStack stack;
    private Api api;

    private void start(Consumer<LocalStack.Options> adjust) throws Exception {
        LocalStack.Options o = TestStacks.options("recovery-edges-it");
        o.simulatorStepMillis = 5;
        o.env.put("STALE_AFTER_SECONDS", "1");
        adjust.accept(o);
        stack = LocalStack.start(o);
        api = new Api(stack.apiUrl());
    }

    @AfterEach
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aSweepSettlesTheGoodJobsBehind300PoisonedOnes() throws Exception {
        start(o -> {
            o.env.put("REDIS_SHARDS", "1");
            o.env.put("MAX_ACTIVE_JOBS_PER_USER", "1000");
            o.webhook = b -> b.dropPercent(100);
        });
        JobStore store = stack.context().getBean(JobStore.class);
        Workflow workflow = Workflow.parse(Api.workflow(1).toString());
        Instant old = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
        RedisClient raw = RedisClient.create(stack.redis().uri().toString());
        try (StatefulRedisConnection<String, String> c = raw.connect()) {
            RedisCommands<String, String> redis = c.sync();
            String shard = new RedisKeys("cj", 1).shardTag(0);
            for (int i = 0; i < 150; i++) {
                // stays stale: another worker holds its dispatch lease for an hour
                String id = UUID.randomUUID().toString();
                Job stuck = Job.queued(id, "poison", JobType.IMAGE_GENERATION, old.plusMillis(i)).promptId(id + "_1")
                        .comfyServer(stack.simulator().baseUrl()).nodeCount(workflow.nodeCount()).build();
                store.create(new NewJob(stuck, workflow, 1000, null));
                redis.hset(shard + "job:" + id, Map.of("lease", Long.toString(Instant.now().plus(Duration.ofHours(1)).toEpochMilli()),
                        "leaseby", "another-worker"));
            }
            for (int i = 0; i < 150; i++) {
                // cannot be read: a status this code does not know
                String id = UUID.randomUUID().toString();
                redis.hset(shard + "job:" + id, Map.of("id", id, "user", "poison", "type", "image_generation", "status", "paused",
                        "attempt", "1", "created", Long.toString(old.toEpochMilli()), "updated", Long.toString(old.toEpochMilli()),
                        "hb", Long.toString(old.toEpochMilli())));
                redis.zadd(shard + "active", old.minusSeconds(60).toEpochMilli() + i, id);
            }
        } finally {
            raw.shutdown();
        }
        List<String> good = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Api.Response r = api.submit("u1", Api.submitBody(100 + i), null);
            assertEquals(202, r.status(), r.body().toString());
            good.add(r.body().get("jobId").asText());
        }
        assertTrue(stack.simulator().awaitIdle(LIMIT));
        Thread.sleep(1100);

        Map<String, Object> summary = stack.runRecovery();
        for (String job : good) {
            JsonNode j = api.get("u1", job).body();
            assertEquals("succeeded", j.get("status").asText(), "finished from ComfyUI's history despite the 300 before it: " + j);
        }
        assertEquals(150, ((Number) summary.get("unreadable")).intValue(), "logged, counted and skipped: " + summary);
    }

    @Test
    void aFinalizingJobPastItsRuntimeIsFinishedFromHistoryNotExpired() throws Exception {
        start(o -> o.env.put("MAX_RUNTIME_IMAGE_GENERATION", "PT2S"));
        stack.s3().stop();
        Api.Response r = api.submit("u2", Api.submitBody(2), null);
        String job = r.body().get("jobId").asText();
        api.await("u2", job, Api.status("finalizing"), LIMIT, null);
        assertTrue(stack.simulator().awaitIdle(LIMIT));
        Thread.sleep(2200);
        stack.s3().start();
        stack.runRecovery();
        JsonNode done = api.get("u2", job).body();
        assertEquals("succeeded", done.get("status").asText(), "its outputs were there: " + done);
        assertEquals(1, done.get("artifacts").size());
    }

    @Test
    void aRunningJobPastItsRuntimeThatFinishedUnseenIsSettledFromHistory() throws Exception {
        start(o -> {
            o.env.put("MAX_RUNTIME_IMAGE_GENERATION", "PT2S");
            o.webhook = b -> b.neverSend("execution_success", "executed", "executing", "progress", "progress_state", "status");
        });
        Api.Response r = api.submit("u3", Api.submitBody(3), null);
        String job = r.body().get("jobId").asText();
        api.await("u3", job, Api.status("running"), LIMIT, null);
        assertTrue(stack.simulator().awaitIdle(LIMIT));
        Thread.sleep(2200);
        stack.runRecovery();
        JsonNode done = api.get("u3", job).body();
        assertEquals("succeeded", done.get("status").asText(), "ComfyUI finished it before the limit was checked: " + done);
    }
}
