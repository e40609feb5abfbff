package com.comfyjobs.bench;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.simulator.ComfyUiSimulator;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A fresh JVM to the first answer of each handler, with only the shaded functions jar (what Lambda
 * runs) and the probe on the classpath (the probe's classes and the local Lambda context it hands the
 * handler), against a bare MicronautRequestHandler started the same way. Median of several runs each;
 * no SnapStart here, so this is the worst case a user sees.
 */
final class ColdStarts {
    private ColdStarts() {
    }

    static List<Row> run(boolean quick, Path functionsJar, String probeClasspath) throws Exception {
        int runs = quick ? 1 : 5;
        List<Row> rows = new ArrayList<>();
        try (RedisNode redis = RedisNode.standalone();
             ComfyUiSimulator sim = ComfyUiSimulator.builder().port(0).build().start()) {
            sim.faults().holdQueue(true);
            String job;
            try (RedisJobStore store = RedisJobStore.connect(RedisSettings.of(redis.uri(), false))) {
                Instant now = Instant.now();
                job = PromptIds.newJobId();
                store.create(new NewJob(Job.queued(job, "probe-user", JobType.IMAGE_GENERATION, now).promptId(PromptIds.of(job, 1))
                        .comfyServer(sim.baseUrl()).submittedAt(now).nodeCount(7).build(), BenchWorkflows.standard(), 1000, null));
                store.updateStatus(job, JobStatus.RUNNING, now);
            }
            Path body = Files.createTempFile("submit-", ".json");
            Files.writeString(body, "{\"workflow\":" + BenchWorkflows.standard().json() + "}");
            Map<String, String> env = new HashMap<>(Map.of("REDIS_URL", redis.uri().toString(), "COMFYUI_URLS", sim.baseUrl(),
                    "ARTIFACT_BUCKET", "bench-bucket", "S3_ENDPOINT", "http://127.0.0.1:9", "AWS_REGION", "us-east-1",
                    "AWS_ACCESS_KEY_ID", "probe", "AWS_SECRET_ACCESS_KEY", "probe-secret", "METRICS_ENABLED", "false",
                    "WEBHOOK_SECRET", WebhookPathBenchmark.SECRET));
            env.put("MAX_ACTIVE_JOBS_PER_USER", "100000");
            env.put("CALLBACK_SECRETS_KEY", "cold-start-probe-callback-secrets-key-0123456789");
            // the probes' callers are no admins; template.yaml lets only admins submit raw workflows
            env.put("RAW_WORKFLOWS", "all");
            String cp = functionsJar + File.pathSeparator + probeClasspath;
            double bare = median(runs, cp, env, BareHandler.class.getName(), "bare", job);
            String[][] handlers = {
                {"SubmitJobHandler", "submit", body.toString()},
                {"GetJobHandler", "get", job},
                {"ListJobsHandler", "list", job},
                {"CancelJobHandler", "cancel", PromptIds.newJobId()},
                {"ComfyWebhookHandler", "webhook", job},
                {"RecoveryHandler", "schedule", job},
            };
            for (String[] h : handlers) {
                double ms = median(runs, cp, env, "com.comfyjobs.functions." + h[0], h[1], h[2]);
                rows.add(new Row("cold start", h[0] + ", JVM start to first answer", "ms", ms, bare, "bare MicronautRequestHandler", ""));
            }
            double jarMb = Files.size(functionsJar) / (1024.0 * 1024);
            rows.add(new Row("cold start", "shaded functions jar", "MB", jarMb, Double.NaN, "-", functionsJar.getFileName().toString()));
            Files.delete(body);
        }
        return rows;
    }

    private static double median(int runs, String cp, Map<String, String> env, String handler, String kind, String arg) throws Exception {
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            ProcessBuilder pb = new ProcessBuilder("java", "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-cp", cp,
                    ColdStartProbe.class.getName(), handler, kind, arg);
            pb.environment().putAll(env);
            ms[i] = Double.parseDouble(ProbeRun.report(pb, "COLDSTART ", handler + " did not answer in a fresh JVM")[0]);
        }
        Arrays.sort(ms);
        return ms[runs / 2];
    }
}
