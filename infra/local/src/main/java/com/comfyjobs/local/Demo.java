package com.comfyjobs.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * --demo: a scripted tour over the real HTTP API. Four txt2img template jobs (one submitted twice with
 * the same Idempotency-Key), live progress bars, a ComfyUI restart in the middle so recovery must
 * resubmit the lost work, a cancel, and at the end the artifact URLs, each downloaded and checked to be
 * a PNG.
 */
final class Demo {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LIMIT = Duration.ofMinutes(3);

    private final LocalStack stack;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String api;

    Demo(LocalStack stack, PrintStream out) {
        this.stack = stack;
        this.out = out;
        this.api = stack.apiUrl().toString();
    }

    /** Quick recovery, so the tour takes seconds rather than the production minute and a half. */
    static void configure(LocalStack.Options options) {
        options.port = 0;
        options.recoveryEvery = Duration.ofSeconds(1);
        options.simulatorStepMillis = 60;
        options.env.put("STALE_AFTER_SECONDS", "3");
        options.env.remove("COMFYUI_URLS");
    }

    boolean run() throws Exception {
        if (stack.simulator() == null) {
            out.println("--demo needs the built-in ComfyUI simulator (unset COMFYUI_URLS)");
            return false;
        }
        out.println("ComfyJobs demo against " + api + " (user 'demo')");
        Map<String, String> expected = new LinkedHashMap<>();
        String a = submit("A sunrise", 1, null);
        String b = submit("B harbour", 2, "demo-key-b");
        String bAgain = submit("B harbour", 2, "demo-key-b");
        out.println("  idempotent repeat of B answered job " + bAgain + (b.equals(bAgain) ? " (the same job)" : " (A DIFFERENT JOB!)"));
        String c = submit("C to cancel", 3, null);
        String d = submit("D forest", 4, null);
        expected.put(a, "succeeded");
        expected.put(b, "succeeded");
        expected.put(c, "canceled");
        expected.put(d, "succeeded");
        Map<String, String> names = Map.of(a, "A", b, "B", c, "C", d, "D");

        JsonNode canceled = call("DELETE", "/jobs/" + c, null, null).body;
        out.println("  canceled C: status " + canceled.path("status").asText() + ", cancelRequested " + canceled.path("cancelRequested"));

        boolean restarted = false;
        long deadline = System.nanoTime() + LIMIT.toNanos();
        Map<String, JsonNode> last = new LinkedHashMap<>();
        int lines = 0;
        while (System.nanoTime() < deadline) {
            for (String id : expected.keySet()) {
                last.put(id, call("GET", "/jobs/" + id, null, null).body);
            }
            lines = draw(names, last, lines);
            if (!restarted && "running".equals(last.get(b).path("status").asText()) && last.get(b).path("progress").asDouble() > 0.3) {
                out.println("  >>> restarting ComfyUI: its queue, running prompt and history are lost");
                stack.simulator().faults().restart();
                restarted = true;
                lines = 0;
            }
            if (last.values().stream().allMatch(j -> isTerminal(j.path("status").asText()))) {
                break;
            }
            Thread.sleep(250);
        }
        out.println();
        boolean ok = b.equals(bAgain) && restarted;
        for (Map.Entry<String, String> e : expected.entrySet()) {
            JsonNode j = last.get(e.getKey());
            String status = j.path("status").asText();
            boolean good = status.equals(e.getValue());
            ok &= good;
            out.printf("  %s %s: %s (attempt %d)%s%n", names.get(e.getKey()), e.getKey(), status, j.path("attempt").asInt(),
                    good ? "" : "  EXPECTED " + e.getValue());
            for (JsonNode art : j.path("artifacts")) {
                String url = art.path("url").asText();
                byte[] png = download(url);
                boolean isPng = png.length > 8 && (png[0] & 0xff) == 0x89 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G';
                ok &= isPng && png.length == art.path("size").asLong();
                out.printf("      %s  %d bytes%s%n        %s%n", art.path("filename").asText(), png.length, isPng ? ", a PNG" : ", NOT A PNG", url);
            }
            if ("succeeded".equals(e.getValue()) && j.path("artifacts").isEmpty()) {
                ok = false;
                out.println("      no artifacts");
            }
        }
        out.println(ok ? "demo: every job ended as it should" : "demo: FAILED");
        return ok;
    }

    private int draw(Map<String, String> names, Map<String, JsonNode> jobs, int previousLines) {
        boolean tty = System.console() != null;
        if (tty && previousLines > 0) {
            out.print("\u001b[" + previousLines + "A");
        }
        for (Map.Entry<String, JsonNode> e : jobs.entrySet()) {
            JsonNode j = e.getValue();
            double p = j.path("progress").asDouble();
            int filled = (int) Math.round(p * 30);
            out.printf("  %s [%s%s] %3d%%  %-10s attempt %d%s%n", names.get(e.getKey()), "#".repeat(filled), ".".repeat(30 - filled),
                    Math.round(p * 100), j.path("status").asText(), j.path("attempt").asInt(), tty ? "\u001b[K" : "");
        }
        return jobs.size();
    }

    private String submit(String prompt, int seed, String key) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("template", "txt2img");
        body.putObject("params").put("prompt", prompt).put("seed", seed);
        Reply r = call("POST", "/jobs", body.toString(), key);
        if (r.status != 202) {
            throw new IllegalStateException("submit answered " + r.status + ": " + r.body);
        }
        String id = r.body.path("jobId").asText();
        out.println("  submitted " + prompt + " -> " + id + (key != null ? " (Idempotency-Key " + key + ")" : ""));
        return id;
    }

    private record Reply(int status, JsonNode body) {
    }

    private Reply call(String method, String path, String body, String key) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + path)).header("X-Dev-User", "demo")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body()));
    }

    private byte[] download(String url) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            return r.statusCode() == 200 ? in.readAllBytes() : new byte[0];
        }
    }

    private static boolean isTerminal(String status) {
        return List.of("succeeded", "failed", "canceled", "expired").contains(status);
    }
}
