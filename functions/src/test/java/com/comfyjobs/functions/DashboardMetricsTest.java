package com.comfyjobs.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.callbacks.SendOutcome;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.observability.MetricsJobObserver;
import com.comfyjobs.observability.ObservabilitySettings;
import com.comfyjobs.observability.RecoveryRunCounts;
import com.comfyjobs.testing.JobFixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operations dashboard and the alarms in template.yaml watch only metrics the code emits: each
 * metric they name, in the namespace and with the dimension names they name, is one that
 * {@link MetricsJobObserver} writes when every one of its methods is driven (its EMF records parsed
 * back). A renamed metric or dimension would otherwise leave a graph or an alarm silently empty.
 */
class DashboardMetricsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern SUB = Pattern.compile("\\$\\{([A-Za-z0-9:]+)(?:\\.Arn)?}");
    private static final Pattern SEARCH = Pattern.compile("SEARCH\\('\\{([^}]*)}\\s*MetricName=\"([A-Za-z0-9]+)\"[^']*',\\s*'([A-Za-z0-9.]+)'");
    private static final Pattern IDS = Pattern.compile("\\b([a-z][a-z0-9]*)\\b");
    /** The Lambda metrics the dashboard may name; AWS emits them for every function. */
    private static final Set<String> LAMBDA_METRICS = Set.of("Duration", "Errors", "Throttles", "Invocations", "ConcurrentExecutions");

    private static JsonNode template;
    private static JsonNode dashboard;
    private static Set<String> emitted;
    private static String namespace;

    @BeforeAll
    static void load() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("template.yaml"))) {
            root = root.getParent();
        }
        template = YAML.readTree(root.resolve("template.yaml").toFile());
        namespace = template.path("Globals").path("Function").path("Environment").path("Variables").path("METRICS_NAMESPACE").asText();
        dashboard = JSON.readTree(substituted(resources("AWS::CloudWatch::Dashboard").get(0).path("Properties").path("DashboardBody").asText()));
        emitted = emittedMetrics(namespace);
    }

    /** Every metric the observer can write, as "namespace metric [dimension names]". */
    private static Set<String> emittedMetrics(String ns) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MetricsJobObserver observer = new MetricsJobObserver(new ObservabilitySettings(ns, true, null, null), "fn",
                new PrintStream(out, true, StandardCharsets.UTF_8));
        Instant created = JobFixtures.now();
        observer.jobStarted(JobFixtures.queued("alice", created), Duration.ofMillis(10));
        for (JobStatus s : JobStatus.values()) {
            if (s.isTerminal()) {
                observer.jobFinished(JobFixtures.queued("alice", created).toBuilder().status(s).finishedAt(created.plusMillis(5)).build());
            }
        }
        for (String outcome : List.of("applied", "duplicate", "ignored", "rejected")) {
            observer.webhookEvent(outcome);
        }
        for (SendOutcome o : SendOutcome.values()) {
            observer.callbackSent(o.wire());
        }
        observer.webhookLag(Duration.ofMillis(300));
        observer.recoveryRun(new RecoveryRunCounts(1, 1, 1, 1, 1, 1, 1, 1));
        observer.stateStoreError();
        observer.outputsNotFromThisJob(JobFixtures.queued("alice", created));
        observer.serverLoad("http://gpu-1:8188", 3, 1);
        observer.serverUnreachable("http://gpu-2:8188");
        observer.flush();
        Set<String> out2 = new TreeSet<>();
        for (String line : out.toString(StandardCharsets.UTF_8).trim().split("\n")) {
            for (JsonNode directive : JSON.readTree(line).path("_aws").path("CloudWatchMetrics")) {
                for (JsonNode dims : directive.path("Dimensions")) {
                    for (JsonNode m : directive.path("Metrics")) {
                        out2.add(key(directive.path("Namespace").asText(), m.path("Name").asText(), names(dims)));
                    }
                }
            }
        }
        return out2;
    }

    @Test
    void everyComfyJobsMetricOnTheDashboardIsOneTheCodeEmits() {
        List<String> named = new ArrayList<>();
        for (JsonNode widget : dashboard.path("widgets")) {
            for (JsonNode row : widget.path("properties").path("metrics")) {
                if (row.get(0).isTextual() && row.get(0).asText().equals(namespace)) {
                    List<String> dims = new ArrayList<>();
                    for (int i = 2; i + 1 < row.size() && row.get(i).isTextual(); i += 2) {
                        dims.add(row.get(i).asText());
                    }
                    named.add(key(namespace, row.get(1).asText(), new TreeSet<>(dims)));
                }
                Matcher search = SEARCH.matcher(row.get(0).path("expression").asText());
                while (search.find()) {
                    String[] schema = search.group(1).split(",");
                    Set<String> dims = new TreeSet<>();
                    for (int i = 1; i < schema.length; i++) {
                        dims.add(schema[i].trim());
                    }
                    named.add(key(schema[0].trim(), search.group(2), dims));
                }
            }
        }
        assertTrue(named.size() > 20, "the dashboard's metrics were read: " + named);
        for (String metric : named) {
            assertTrue(emitted.contains(metric), metric + " is on the dashboard but the code emits no such metric; it emits " + emitted);
        }
    }

    @Test
    void theDashboardShowsQueueDepthAndRunningPerServer() {
        String body = dashboard.toString();
        for (String metric : List.of("QueueDepth", "Running", "ServerUnreachable")) {
            assertTrue(body.contains("{" + namespace + ",Server,Service} MetricName=\\\"" + metric + "\\\""), metric + " per server");
            assertTrue(emitted.contains(key(namespace, metric, new TreeSet<>(List.of("Server", "Service")))), metric + " is emitted per server");
        }
    }

    @Test
    void everyAwsMetricNamesAFunctionOfTheTemplateAndEveryExpressionItsOwnIds() {
        Set<String> functions = new TreeSet<>();
        template.path("Resources").fields().forEachRemaining(r -> {
            if (r.getValue().path("Type").asText().equals("AWS::Serverless::Function")) {
                functions.add("fn-" + r.getKey());
            }
        });
        for (JsonNode widget : dashboard.path("widgets")) {
            Set<String> ids = new TreeSet<>();
            for (JsonNode row : widget.path("properties").path("metrics")) {
                if (row.get(0).isObject()) {
                    ids.add(row.get(0).path("id").asText());
                }
            }
            for (JsonNode row : widget.path("properties").path("metrics")) {
                if (row.get(0).isTextual() && row.get(0).asText().equals("AWS/Lambda")) {
                    assertTrue(LAMBDA_METRICS.contains(row.get(1).asText()), row.toString());
                    assertEquals("FunctionName", row.get(2).asText(), row.toString());
                    assertTrue(functions.contains(row.get(3).asText()), row + " names a function of the template");
                } else if (row.get(0).isTextual()) {
                    assertEquals(namespace, row.get(0).asText(), row.toString());
                    assertEquals("Service", row.get(2).asText(), row.toString());
                    assertTrue(functions.contains(row.get(3).asText()), row + " names a function of the template");
                } else {
                    String expression = row.get(0).path("expression").asText().replaceAll("SEARCH\\('[^']*'[^)]*\\)", "");
                    Matcher m = IDS.matcher(expression);
                    while (m.find()) {
                        assertTrue(ids.contains(m.group(1)), row + " uses " + m.group(1) + ", which its widget does not define");
                    }
                }
            }
        }
    }

    @Test
    void everyAlarmOnAComfyJobsMetricWatchesOneTheCodeEmits() {
        List<JsonNode> alarms = resources("AWS::CloudWatch::Alarm");
        assertFalse(alarms.isEmpty());
        int checked = 0;
        for (JsonNode alarm : alarms) {
            JsonNode p = alarm.path("Properties");
            if (!p.path("Namespace").asText().equals(namespace)) {
                continue;
            }
            Set<String> dims = new TreeSet<>();
            p.path("Dimensions").forEach(d -> dims.add(d.path("Name").asText()));
            String metric = key(namespace, p.path("MetricName").asText(), dims);
            assertTrue(emitted.contains(metric), metric + " has an alarm but the code emits no such metric");
            checked++;
        }
        assertTrue(checked >= 2, "the alarms on the service's own metrics were found");
    }

    @Test
    void theDriftCheckRefusesAMetricTheCodeDoesNotEmit() {
        assertFalse(emitted.contains(key(namespace, "QueueDepth", new TreeSet<>(List.of("Service")))),
                "queue depth is per server, never per function only");
        assertFalse(emitted.contains(key(namespace, "JobsQueued", new TreeSet<>(List.of("Service")))), "only final statuses are counted");
    }

    private static List<JsonNode> resources(String type) {
        List<JsonNode> out = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = template.path("Resources").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> r = it.next();
            if (r.getValue().path("Type").asText().equals(type)) {
                out.add(r.getValue());
            }
        }
        return out;
    }

    /** !Sub's variables filled in as CloudFormation would: a resource of the template or a pseudo parameter, nothing else. */
    private static String substituted(String body) {
        Matcher m = SUB.matcher(body);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value;
            if (name.startsWith("AWS::")) {
                value = name.equals("AWS::StackName") ? "stack" : name.equals("AWS::Region") ? "eu-west-1" : null;
            } else {
                value = template.path("Resources").has(name) ? "fn-" + name : null;
            }
            assertTrue(value != null, "${" + name + "} in the dashboard is neither a resource of the template nor StackName or Region");
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static Set<String> names(JsonNode dims) {
        Set<String> out = new TreeSet<>();
        dims.forEach(d -> out.add(d.asText()));
        return out;
    }

    private static String key(String ns, String metric, Set<String> dims) {
        return ns + " " + metric + " " + dims;
    }
}
