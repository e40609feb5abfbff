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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Redis memory per job ({@code MEMORY USAGE} of the job hash and the workflow key) for the default
 * workflow and a 20 KB one, while the job runs and once it has succeeded. The raw limit is the size of
 * the job's own JSON plus, while it is live, the workflow JSON: a finished job keeps only the workflow's
 * SHA-256 and size.
 */
final class RedisMemoryPerJob {
    private RedisMemoryPerJob() {
    }

    static List<Row> run() throws Exception {
        List<Row> rows = new ArrayList<>();
        try (RedisNode redis = RedisNode.standalone()) {
            RedisJobStore store = RedisJobStore.connect(RedisSettings.of(redis.uri(), false));
            RedisKeys keys = new RedisKeys("cj", 16);
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
            store.close();
        }
        return rows;
    }

    private static long usage(RedisConnection c, String key) {
        Long n = c.await(c.commands().memoryUsage(key));
        return n == null ? 0 : n;
    }
}
