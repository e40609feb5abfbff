package com.comfyjobs.bench;

import com.comfyjobs.job.GraphUpdate;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisKeys;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.query.JobJson;
import com.comfyjobs.servers.RedisNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Redis memory per job ({@code MEMORY USAGE} of the job hash and the workflow key) for the default
 * workflow and a 20 KB one, while the job runs and once it has succeeded. The raw limit is the size of
 * the job's own JSON plus, while it is live, the workflow JSON: a finished job keeps only the workflow's
 * SHA-256 and size. Then a job's replay markers after 100 webhook events.
 */
final class RedisMemoryPerJob {
    private RedisMemoryPerJob() {
    }

    static List<Row> run() throws Exception {
        List<Row> rows = new ArrayList<>();
        try (RedisNode redis = RedisNode.standalone()) {
            RedisJobStore store = RedisJobStore.connect(RedisSettings.of(redis.uri(), false));
            RedisKeys keys = new RedisKeys("cj", RedisSettings.DEFAULT_SHARDS);
            RedisConnection c = store.connection();
            for (Workflow wf : List.of(BenchWorkflows.standard(), BenchWorkflows.padded(20 * 1024))) {
                String label = wf.json().length() > 10_000 ? "20 KB workflow" : "default workflow (" + wf.json().length() + " B)";
                Instant now = Instant.now();
                String id = PromptIds.newJobId();
                Job j = Job.queued(id, "memory-user", JobType.IMAGE_GENERATION, now).promptId(PromptIds.of(id, 1)).comfyServer("http://gpu-1:8188")
                        .nodeCount(wf.nodeCount()).build();
                store.create(new NewJob(j, wf, 100, null));
                store.transition(Transition.of(id, now).markSubmitted().status(JobStatus.RUNNING)
                        .graph(GraphUpdate.running("3", 10, 20)).build());
                long active = usage(c, keys.job(id)) + usage(c, keys.workflow(id));
                Job live = store.findById(id).orElseThrow();
                long rawActive = JobJson.toJson(live).toString().length() + wf.json().length();
                rows.add(new Row("memory", "active job, " + label, "B", active, rawActive, "its JSON + workflow JSON",
                        "job hash + workflow key; indexes add ~100 B"));
                store.updateStatus(id, JobStatus.FINALIZING, now);
                store.transition(Transition.of(id, now).status(JobStatus.SUCCEEDED).artifacts(List.of(new JobArtifact(
                        "artifacts/memory-user/" + id + "/1/9/ComfyUI_00001_.png", "ComfyUI_00001_.png", "image/png", 1234567))).build());
                long terminal = usage(c, keys.job(id)) + usage(c, keys.workflow(id));
                long rawTerminal = JobJson.toJson(store.findById(id).orElseThrow()).toString().length();
                rows.add(new Row("memory", "terminal job, " + label, "B", terminal, rawTerminal, "its JSON",
                        "kept for JOB_RETENTION_HOURS; the workflow is dropped, its SHA-256 and size kept"));
            }
            rows.add(replayMarkers(store, keys, true));
            rows.add(replayMarkers(store, keys, false));
            store.close();
        }
        return rows;
    }

    /**
     * The replay markers of a job's 100 progress events: with the bridge's webhook-ids (one stem, the
     * delivery numbers in a row but for every tenth, which another prompt's delivery took) the job's one
     * hash of number ranges; with random ids, one key per event.
     */
    private static Row replayMarkers(RedisJobStore store, RedisKeys keys, boolean numbered) {
        RedisConnection c = store.connection();
        Instant now = Instant.now();
        String id = PromptIds.newJobId();
        store.create(new NewJob(Job.queued(id, "memory-user", JobType.IMAGE_GENERATION, now).promptId(PromptIds.of(id, 1))
                .nodeCount(7).build(), BenchWorkflows.standard(), 100, null));
        String stem = "msg_" + Long.toHexString(System.nanoTime()) + "_";
        long bytes = 0;
        for (int n = 1, events = 0; events < 100; n++) {
            if (n % 10 == 0) {
                continue;
            }
            String eventId = (numbered ? stem + n : "msg_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24)) + ":0";
            store.transition(Transition.of(id, now).eventId(eventId, Duration.ofHours(1)).status(JobStatus.RUNNING)
                    .graph(GraphUpdate.running("3", events % 20, 20)).build());
            bytes += numbered ? 0 : usage(c, keys.event(id, eventId));
            events++;
        }
        bytes += usage(c, keys.seenEvents(id));
        return new Row("memory", "replay markers, 100 events, " + (numbered ? "the bridge's webhook-ids" : "random webhook-ids"), "B",
                bytes, 1024, "target: 1 KB per job", numbered ? "one hash per job, \"1-9,11-19,...\"; kept WEBHOOK_EVENT_TTL_SECONDS after the last event"
                        : "a sender without numbered ids: one key per event, as before");
    }

    private static long usage(RedisConnection c, String key) {
        Long n = c.await(c.commands().memoryUsage(key));
        return n == null ? 0 : n;
    }
}
