package com.comfyjobs.observability;

import com.comfyjobs.job.Job;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import software.amazon.cloudwatchlogs.emf.logger.MetricsLogger;
import software.amazon.cloudwatchlogs.emf.model.DimensionSet;
import software.amazon.cloudwatchlogs.emf.model.Unit;

/**
 * CloudWatch EMF metrics (jobs by final status, job duration, queue wait, webhook
 * deliveries, recovery outcomes, state store errors, outputs refused as not the job's own, callbacks to callers by outcome) collected during an invocation and written by
 * {@link #flush()} at its end as one EMF record, plus one per ComfyUI server whose load was
 * reported (those carry the Server dimension besides Service); the three analytics events as structured log
 * records and, when configured, to PostHog. Nothing here throws into a request.
 */
public final class MetricsJobObserver implements JobObserver {
    private final ObservabilitySettings settings;
    private final PostHogClient postHog;
    private final PrintStream out;
    private final String service;
    private MetricsLogger metrics;
    private int recorded;
    private final Map<String, MetricsLogger> perServer = new LinkedHashMap<>();

    public MetricsJobObserver(ObservabilitySettings settings, String service, PrintStream out) {
        this.settings = settings;
        this.service = service;
        this.out = out;
        this.postHog = settings.postHogApiKey() == null ? null : new PostHogClient(settings.postHogHost(), settings.postHogApiKey());
        this.metrics = newLogger();
    }

    private MetricsLogger newLogger() {
        MetricsLogger m = new MetricsLogger(new EmfEnvironment(service, out));
        try {
            m.setNamespace(settings.namespace());
            m.setDimensions(DimensionSet.of("Service", service));
        } catch (Exception e) {
            throw new IllegalArgumentException("METRICS_NAMESPACE is not a valid CloudWatch namespace: " + settings.namespace(), e);
        }
        return m;
    }

    /** The record of one server's metrics; null when its name cannot be a dimension value. */
    private MetricsLogger serverLogger(String server) {
        MetricsLogger known = perServer.get(server);
        if (known != null) {
            return known;
        }
        MetricsLogger m = new MetricsLogger(new EmfEnvironment(service, out));
        try {
            m.setNamespace(settings.namespace());
            m.setDimensions(DimensionSet.of("Service", service, "Server", server));
        } catch (Exception e) {
            JsonLog.warn("server metrics dropped", "server", server, "reason", e.getMessage());
            return null;
        }
        perServer.put(server, m);
        return m;
    }

    @Override
    public void jobSaved(Job job) {
        analytics("comfyui_job_state_saved", job.userId(), Map.of("promptId", job.promptId(), "jobType", job.type().wire(),
                "userId", job.userId()));
    }

    @Override
    public synchronized void jobStarted(Job job, Duration queueWait) {
        put("QueueWait", queueWait.toMillis(), Unit.MILLISECONDS);
    }

    @Override
    public synchronized void jobFinished(Job job) {
        put("Jobs" + capitalized(job.status().wire()), 1, Unit.COUNT);
        if (job.finishedAt() != null) {
            put("JobDuration", Duration.between(job.createdAt(), job.finishedAt()).toMillis(), Unit.MILLISECONDS);
        }
    }

    @Override
    public void jobRecovered(Job job, String how, Duration recoveryTime) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("promptId", job.promptId());
        p.put("jobAge", Duration.between(job.createdAt(), Instant.now()).toSeconds());
        p.put("recoveryTime", recoveryTime.toMillis());
        p.put("how", how);
        analytics("comfyui_job_recovered", job.userId(), p);
    }

    @Override
    public void recoveryFailed(Job job, String reason) {
        analytics("comfyui_job_recovery_failed", job.userId(), Map.of("promptId", job.promptId(), "reason", reason));
    }

    @Override
    public synchronized void outputsNotFromThisJob(Job job) {
        put("OutputsNotFromThisJob", 1, Unit.COUNT);
    }

    @Override
    public synchronized void webhookEvent(String outcome) {
        put("Webhook" + capitalized(outcome), 1, Unit.COUNT);
    }

    @Override
    public synchronized void webhookLag(Duration lag) {
        put("WebhookLag", Math.max(0, lag.toMillis()), Unit.MILLISECONDS);
    }

    @Override
    public synchronized void recoveryRun(RecoveryRunCounts c) {
        put("RecoveryScanned", c.scanned(), Unit.COUNT);
        put("RecoveryRecovered", c.recovered(), Unit.COUNT);
        put("RecoveryResubmitted", c.resubmitted(), Unit.COUNT);
        put("RecoveryFailed", c.failed(), Unit.COUNT);
        put("RecoveryExpired", c.expired(), Unit.COUNT);
        put("RecoverySkipped", c.skipped(), Unit.COUNT);
        put("RecoveryUnreadable", c.unreadable(), Unit.COUNT);
        put("RecoveryDuration", c.durationMs(), Unit.MILLISECONDS);
    }

    @Override
    public synchronized void callbackSent(String outcome) {
        put("Callback" + capitalized(outcome), 1, Unit.COUNT);
    }

    @Override
    public synchronized void stateStoreError() {
        put("StateStoreErrors", 1, Unit.COUNT);
    }

    @Override
    public synchronized void serverLoad(String server, int pending, int running) {
        MetricsLogger m = serverLogger(server);
        if (m != null) {
            put(m, "QueueDepth", pending, Unit.COUNT);
            put(m, "Running", running, Unit.COUNT);
        }
    }

    @Override
    public synchronized void serverUnreachable(String server) {
        MetricsLogger m = serverLogger(server);
        if (m != null) {
            put(m, "ServerUnreachable", 1, Unit.COUNT);
        }
    }

    @Override
    public void flush() {
        synchronized (this) {
            if (settings.metricsEnabled()) {
                if (recorded > 0) {
                    metrics.flush();
                }
                perServer.values().forEach(MetricsLogger::flush);
            }
            metrics = newLogger();
            recorded = 0;
            perServer.clear();
        }
        if (postHog != null) {
            postHog.flush(Duration.ofSeconds(2));
        }
    }

    private void put(String name, double value, Unit unit) {
        if (put(metrics, name, value, unit)) {
            recorded++;
        }
    }

    private static boolean put(MetricsLogger into, String name, double value, Unit unit) {
        try {
            into.putMetric(name, value, unit);
            return true;
        } catch (Exception e) {
            JsonLog.warn("metric dropped", "metric", name, "reason", e.getMessage());
            return false;
        }
    }

    private void analytics(String event, String distinctId, Map<String, ?> properties) {
        Map<String, Object> record = new LinkedHashMap<>(properties);
        record.put("event", event);
        JsonLog.record("analytics", record);
        if (postHog != null) {
            postHog.capture(event, distinctId, properties);
        }
    }

    private static String capitalized(String s) {
        return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
    }
}
