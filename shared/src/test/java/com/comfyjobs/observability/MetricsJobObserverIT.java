package com.comfyjobs.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.secrets.SecretUnavailableException;
import com.comfyjobs.testing.JobFixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The metrics as CloudWatch reads them (one EMF record per invocation, parsed back here) and the
 * analytics events as PostHog's capture API receives them (a stand-in HTTP server).
 */
class MetricsJobObserverIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Job finished(JobStatus status) {
        Instant created = JobFixtures.now();
        return JobFixtures.queued("alice", created).toBuilder().status(status).finishedAt(created.plusMillis(4200)).build();
    }

    @Test
    void oneInvocationWritesOneEmfRecordWithEveryMetric() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MetricsJobObserver observer = new MetricsJobObserver(new ObservabilitySettings("ComfyJobs/Test", true, null, null), "webhook",
                new PrintStream(out, true, StandardCharsets.UTF_8));
        observer.jobStarted(finished(JobStatus.RUNNING), Duration.ofMillis(350));
        observer.jobFinished(finished(JobStatus.SUCCEEDED));
        observer.webhookEvent("applied");
        observer.webhookEvent("duplicate");
        observer.recoveryRun(new RecoveryRunCounts(5, 0, 2, 0, 0, 0, 0, 12));
        observer.stateStoreError();
        observer.outputsNotFromThisJob(finished(JobStatus.FAILED));
        observer.flush();

        String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
        assertEquals(1, lines.length, out.toString(StandardCharsets.UTF_8));
        JsonNode record = JSON.readTree(lines[0]);
        JsonNode directive = record.get("_aws").get("CloudWatchMetrics").get(0);
        assertEquals("ComfyJobs/Test", directive.get("Namespace").asText());
        assertEquals("[[\"Service\"]]", directive.get("Dimensions").toString());
        assertEquals("webhook", record.get("Service").asText());
        List<String> names = new ArrayList<>();
        directive.get("Metrics").forEach(m -> names.add(m.get("Name").asText()));
        assertTrue(names.containsAll(List.of("QueueWait", "JobsSucceeded", "JobDuration", "WebhookApplied", "WebhookDuplicate",
                "RecoveryScanned", "RecoveryResubmitted", "RecoveryDuration", "StateStoreErrors", "OutputsNotFromThisJob")), names.toString());
        assertEquals(350, record.get("QueueWait").asInt());
        assertEquals(4200, record.get("JobDuration").asInt());
        assertEquals(1, record.get("JobsSucceeded").asInt());
        assertEquals(2, record.get("RecoveryResubmitted").asInt());
        assertEquals(1, record.get("StateStoreErrors").asInt());
        assertEquals(1, record.get("OutputsNotFromThisJob").asInt());

        out.reset();
        observer.flush();
        assertEquals("", out.toString(StandardCharsets.UTF_8), "an invocation that recorded nothing writes nothing");
    }

    @Test
    void eachServersLoadIsARecordOfItsOwnByServerAndService() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MetricsJobObserver observer = new MetricsJobObserver(new ObservabilitySettings("ComfyJobs/Test", true, null, null), "recovery",
                new PrintStream(out, true, StandardCharsets.UTF_8));
        observer.recoveryRun(new RecoveryRunCounts(0, 0, 0, 0, 0, 0, 0, 7));
        observer.serverLoad("http://gpu-1:8188", 12, 1);
        observer.serverLoad("https://gpu-2.example.com/comfy", 0, 0);
        observer.serverUnreachable("http://gpu-3:8188");
        observer.webhookLag(Duration.ofMillis(-800));
        observer.flush();

        Map<String, JsonNode> byServer = new HashMap<>();
        JsonNode plain = null;
        for (String line : out.toString(StandardCharsets.UTF_8).trim().split("\n")) {
            JsonNode record = JSON.readTree(line);
            JsonNode directive = record.get("_aws").get("CloudWatchMetrics").get(0);
            assertEquals("ComfyJobs/Test", directive.get("Namespace").asText());
            assertEquals("recovery", record.get("Service").asText());
            if (record.has("Server")) {
                assertEquals("[[\"Service\",\"Server\"]]", directive.get("Dimensions").toString());
                byServer.put(record.get("Server").asText(), record);
            } else {
                plain = record;
            }
        }
        assertEquals(3, byServer.size(), out.toString(StandardCharsets.UTF_8));
        assertEquals(12, byServer.get("http://gpu-1:8188").get("QueueDepth").asInt());
        assertEquals(1, byServer.get("http://gpu-1:8188").get("Running").asInt());
        assertEquals(0, byServer.get("https://gpu-2.example.com/comfy").get("QueueDepth").asInt());
        assertEquals(1, byServer.get("http://gpu-3:8188").get("ServerUnreachable").asInt());
        assertTrue(!byServer.get("http://gpu-3:8188").has("QueueDepth"), "an unread queue is no depth of 0");
        assertEquals(7, plain.get("RecoveryDuration").asInt());
        assertEquals(0, plain.get("WebhookLag").asInt(), "a sender's clock ahead of ours is no negative lag");

        out.reset();
        observer.flush();
        assertEquals("", out.toString(StandardCharsets.UTF_8), "the servers' records are written once");
    }

    @Test
    void metricsCanBeSilencedAndAnalyticsGoToPostHog() throws Exception {
        List<JsonNode> captured = Collections.synchronizedList(new ArrayList<>());
        Map<String, String> paths = new HashMap<>();
        HttpServer posthog = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        posthog.createContext("/", x -> {
            paths.put(x.getRequestURI().getPath(), x.getRequestMethod());
            captured.add(JSON.readTree(x.getRequestBody().readAllBytes()));
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        posthog.start();
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            URI host = URI.create("http://127.0.0.1:" + posthog.getAddress().getPort());
            MetricsJobObserver observer = new MetricsJobObserver(new ObservabilitySettings("ComfyJobs", false, () -> "phc_test", host), "submit",
                    new PrintStream(out, true, StandardCharsets.UTF_8));
            Job job = finished(JobStatus.SUCCEEDED);
            observer.jobSaved(job);
            observer.jobFinished(job);
            observer.recoveryFailed(job, "ComfyUI lost the job 3 times (restarts); giving up");
            observer.flush();

            assertEquals("", out.toString(StandardCharsets.UTF_8), "METRICS_ENABLED=false writes no EMF");
            assertEquals(Map.of("/capture/", "POST"), paths);
            assertEquals(2, captured.size());
            Map<String, JsonNode> byEvent = new HashMap<>();
            captured.forEach(c -> byEvent.put(c.get("event").asText(), c));
            JsonNode saved = byEvent.get("comfyui_job_state_saved");
            assertEquals("phc_test", saved.get("api_key").asText());
            assertEquals("alice", saved.get("distinct_id").asText());
            assertEquals(job.promptId(), saved.get("properties").get("promptId").asText());
            assertEquals("ComfyUI lost the job 3 times (restarts); giving up",
                    byEvent.get("comfyui_job_recovery_failed").get("properties").get("reason").asText());
        } finally {
            posthog.stop(0);
        }
    }

    @Test
    void thePostHogKeyIsAskedForOnEveryEventAndAnUnreadableOneDropsTheEventOnly() throws Exception {
        List<String> keys = Collections.synchronizedList(new ArrayList<>());
        HttpServer posthog = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        posthog.createContext("/", x -> {
            keys.add(JSON.readTree(x.getRequestBody().readAllBytes()).get("api_key").asText());
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        posthog.start();
        try {
            AtomicReference<String> key = new AtomicReference<>("phc_first");
            AtomicBoolean unreadable = new AtomicBoolean();
            Supplier<String> secret = () -> {
                if (unreadable.get()) {
                    throw new SecretUnavailableException("POSTHOG_API_KEY_SECRET_ARN: Secrets Manager could not be reached", null);
                }
                return key.get();
            };
            URI host = URI.create("http://127.0.0.1:" + posthog.getAddress().getPort());
            MetricsJobObserver observer = new MetricsJobObserver(new ObservabilitySettings("ComfyJobs", false, secret, host), "submit",
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            Job job = finished(JobStatus.SUCCEEDED);
            observer.jobSaved(job);
            observer.flush();
            key.set("phc_rotated");
            observer.jobSaved(job);
            observer.flush();
            unreadable.set(true);
            observer.jobSaved(job);
            observer.flush();
            assertEquals(List.of("phc_first", "phc_rotated"), keys);
        } finally {
            posthog.stop(0);
        }
    }
}
