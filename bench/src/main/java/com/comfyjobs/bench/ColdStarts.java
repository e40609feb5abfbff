package com.comfyjobs.bench;

import com.comfyjobs.artifacts.ArtifactKeys;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Transition;
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
 * Cold starts, each in fresh JVMs with only the shaded functions jar (what Lambda runs) and the
 * probe's classes on the classpath, against two floors started the same way: a bare
 * MicronautRequestHandler, and a handler written by hand that makes GET's calls with the same clients
 * and no framework ({@link HandWrittenHandler}). Each handler's cold start is then split into parts
 * ({@link ColdStartProbe} mode parts), and what SnapStart cannot hide is measured: the first request
 * after the checkpoint hooks ran (priming, then a restore in the same JVM) against warm requests.
 * Medians of several runs; runs {@code --only coldstart} in well under three minutes on 2 cores.
 */
final class ColdStarts {
    private static final String CRAC = "-Dorg.crac.Core.Compat=com.comfyjobs.bench.crac";
    private static final String[] PARTS = {"JVM", "Micronaut context", "Jackson", "S3 presigner+presign", "lettuce connect+HGETALL",
        "handler build", "first request"};

    private ColdStarts() {
    }

    /** @param template the template.yaml whose JAVA_TOOL_OPTIONS every probe JVM runs with, as Lambda runs the functions */
    static List<Row> run(boolean quick, Path functionsJar, String probeClasspath, Path template) throws Exception {
        int runs = quick ? 1 : 3;
        List<String> jvm = lambdaJvmOptions(template);
        List<Row> rows = new ArrayList<>();
        try (RedisNode redis = RedisNode.standalone();
             ComfyUiSimulator sim = ComfyUiSimulator.builder().port(0).build().start()) {
            sim.faults().holdQueue(true);
            String running;
            String succeeded;
            try (RedisJobStore store = RedisJobStore.connect(RedisSettings.of(redis.uri(), false))) {
                running = runningJob(store, sim);
                succeeded = runningJob(store, sim);
                store.updateStatus(succeeded, JobStatus.FINALIZING, Instant.now());
                if (!store.transition(Transition.of(succeeded, Instant.now()).status(JobStatus.SUCCEEDED)
                        .artifacts(List.of(new JobArtifact(ArtifactKeys.jobPrefix("probe-user", succeeded) + "1/9/output.png",
                                "output.png", "image/png", 1234))).build()).applied()) {
                    throw new IllegalStateException("the GET probes' job did not finish");
                }
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
            double[] bare = median(runs, jvm, cp, env, BareHandler.class.getName(), "bare", succeeded);
            double[] handWritten = median(runs, jvm, cp, env, HandWrittenHandler.class.getName(), "get", succeeded);
            rows.add(new Row("cold start", "hand-written GET handler, JVM start to first answer", "ms", handWritten[0], bare[0],
                    "bare MicronautRequestHandler", "lettuce HGETALL + S3 presign + Jackson, no framework"));
            String[][] handlers = {
                {"SubmitJobHandler", "submit", body.toString()},
                {"GetJobHandler", "get", succeeded},
                {"ListJobsHandler", "list", running},
                {"CancelJobHandler", "cancel", PromptIds.newJobId()},
                {"ComfyWebhookHandler", "webhook", running},
                {"RecoveryHandler", "schedule", running},
            };
            // --quick measures GET alone, the handler the goals are set on, so the whole quick run stays short
            String[][] measured = quick ? new String[][] {handlers[1]} : handlers;
            for (String[] h : measured) {
                String handler = "com.comfyjobs.functions." + h[0];
                double[] first = median(runs, jvm, cp, env, handler, h[1], h[2]);
                rows.add(new Row("cold start", h[0] + ", JVM start to first answer", "ms", first[0], bare[0],
                        "bare MicronautRequestHandler", ""));
                if (h[0].equals("GetJobHandler")) {
                    rows.add(new Row("cold start", h[0] + ", JVM start to first answer", "ms", first[0], handWritten[0],
                            "hand-written GET handler", "goal <= 1.3x"));
                }
                rows.add(new Row("cold start", h[0] + ", classes loaded to first answer", "classes", first[1], handWritten[1],
                        "hand-written GET handler", "the same in every run: a measure the machine's load does not blur"));
            }
            for (String[] h : measured) {
                rows.add(split(runs, jvm, cp, env, h));
            }
            for (String[] h : measured) {
                rows.addAll(primed(runs, jvm, cp, env, h));
            }
            double jarMb = Files.size(functionsJar) / (1024.0 * 1024);
            rows.add(new Row("cold start", "shaded functions jar", "MB", jarMb, Double.NaN, "-", functionsJar.getFileName().toString()));
            Files.delete(body);
        }
        return rows;
    }

    /** The JAVA_TOOL_OPTIONS template.yaml gives the functions, as separate flags. */
    static List<String> lambdaJvmOptions(Path template) throws Exception {
        for (String line : Files.readAllLines(template)) {
            String t = line.strip();
            if (t.startsWith("JAVA_TOOL_OPTIONS:")) {
                return List.of(t.substring("JAVA_TOOL_OPTIONS:".length()).strip().split("\\s+"));
            }
        }
        throw new IllegalStateException(template + " sets no JAVA_TOOL_OPTIONS");
    }

    private static String runningJob(RedisJobStore store, ComfyUiSimulator sim) {
        Instant now = Instant.now();
        String job = PromptIds.newJobId();
        store.create(new NewJob(Job.queued(job, "probe-user", JobType.IMAGE_GENERATION, now).promptId(PromptIds.of(job, 1))
                .comfyServer(sim.baseUrl()).submittedAt(now).nodeCount(7).build(), BenchWorkflows.standard(), 1000, null));
        store.updateStatus(job, JobStatus.RUNNING, now);
        return job;
    }

    /** The median of each part over the runs; the row's figure is the sum of those medians. */
    private static Row split(int runs, List<String> jvm, String cp, Map<String, String> env, String[] h) throws Exception {
        double[][] parts = new double[PARTS.length][runs];
        for (int i = 0; i < runs; i++) {
            String[] r = probe(jvm, cp, env, "com.comfyjobs.functions." + h[0], h[1], h[2], "parts", "PARTS ");
            for (int p = 0; p < PARTS.length; p++) {
                parts[p][i] = Double.parseDouble(r[p]);
            }
        }
        StringBuilder note = new StringBuilder();
        double sum = 0;
        for (int p = 0; p < PARTS.length; p++) {
            Arrays.sort(parts[p]);
            double m = parts[p][runs / 2];
            sum += m;
            note.append(p == 0 ? "" : ", ").append(PARTS[p]).append(' ').append((long) m);
        }
        return new Row("cold start", h[0] + ", split into parts (ms)", "ms", sum, Double.NaN, "-", note.toString());
    }

    /**
     * The first request after the checkpoint hooks, and the second, against the warm requests of the
     * same JVM; medians over the runs. The first opens the Redis connection the hooks closed; the
     * second shows the request path alone.
     */
    private static List<Row> primed(int runs, List<String> jvm, String cp, Map<String, String> env, String[] h) throws Exception {
        double[] priming = new double[runs];
        double[] first = new double[runs];
        double[] second = new double[runs];
        double[] warm = new double[runs];
        for (int i = 0; i < runs; i++) {
            List<String> flags = new ArrayList<>(jvm);
            flags.add(CRAC);
            String[] r = probe(flags, cp, env, "com.comfyjobs.functions." + h[0], h[1], h[2], "primed", "PRIMED ");
            priming[i] = Double.parseDouble(r[0]);
            first[i] = Double.parseDouble(r[1]);
            second[i] = Double.parseDouble(r[2]);
            warm[i] = Double.parseDouble(r[3]);
        }
        Arrays.sort(priming);
        Arrays.sort(first);
        Arrays.sort(second);
        Arrays.sort(warm);
        return List.of(
                new Row("cold start", h[0] + ", first request after SnapStart priming", "us", first[runs / 2], warm[runs / 2],
                        "warm request, same JVM", "goal <= 2x; opens the Redis connection; priming " + (long) priming[runs / 2] + " ms"),
                new Row("cold start", h[0] + ", second request after SnapStart priming", "us", second[runs / 2], warm[runs / 2],
                        "warm request, same JVM", "connection open"));
    }

    /** @return the median milliseconds to the first answer, and the classes loaded by then */
    private static double[] median(int runs, List<String> jvm, String cp, Map<String, String> env, String handler, String kind, String arg)
            throws Exception {
        double[] ms = new double[runs];
        double classes = 0;
        for (int i = 0; i < runs; i++) {
            String[] r = probe(jvm, cp, env, handler, kind, arg, "first", "COLDSTART ");
            ms[i] = Double.parseDouble(r[0]);
            classes = Double.parseDouble(r[1]);
        }
        Arrays.sort(ms);
        return new double[] {ms[runs / 2], classes};
    }

    private static String[] probe(List<String> jvmFlags, String cp, Map<String, String> env, String handler, String kind, String arg,
                                  String mode, String marker) throws Exception {
        List<String> command = new ArrayList<>(List.of("java"));
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", cp, ColdStartProbe.class.getName(), handler, kind, arg, mode));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        return ProbeRun.report(pb, marker, handler + " (" + mode + ") did not answer in a fresh JVM");
    }
}
