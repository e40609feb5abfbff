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
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * --demo: a scripted tour over the real HTTP and WebSocket APIs. Four txt2img template jobs (one
 * submitted twice with the same Idempotency-Key), live progress bars drawn from the messages the
 * WebSocket API pushes (subscribed to all of the user's jobs before the first submit), a ComfyUI
 * restart in the middle so recovery must resubmit the lost work, a cancel, and at the end each job
 * read with GET, which must agree with its last message, and the artifact URLs that message carried,
 * each downloaded and checked to be a PNG.
 */
final class Demo {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LIMIT = Duration.ofMinutes(3);

    private final LocalStack stack;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String api;
    /** The newest message's job, per job id, as the WebSocket API pushed it. */
    private final Map<String, JsonNode> pushed = new ConcurrentHashMap<>();
    private final AtomicInteger messages = new AtomicInteger();

    Demo(LocalStack stack, PrintStream out) {
        this.stack = stack;
        this.out = out;
        this.api = stack.apiUrl().toString();
    }

    /** Quick recovery, so the tour takes seconds rather than the production minute and a half. */
    static void configure(LocalStack.Options options) {
        options.port = 0;
        options.webSocketPort = 0;
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
        out.println("ComfyJobs demo against " + api + " (user 'demo'), live progress from " + stack.webSocketUrl());
        WebSocket socket = listen();
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
                last.put(id, pushed.getOrDefault(id, JSON.createObjectNode().put("status", "queued").put("progress", 0).put("attempt", 1)));
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
            Thread.sleep(100);
        }
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "demo over").get(5, TimeUnit.SECONDS);
        out.println();
        out.println("  " + messages.get() + " messages pushed; each job read once more with GET to check them");
        boolean ok = b.equals(bAgain) && restarted;
        for (Map.Entry<String, String> e : expected.entrySet()) {
            JsonNode j = last.get(e.getKey());
            String status = j.path("status").asText();
            String read = call("GET", "/jobs/" + e.getKey(), null, null).body.path("status").asText();
            boolean good = status.equals(e.getValue()) && read.equals(status);
            ok &= good;
            out.printf("  %s %s: %s (attempt %d)%s%n", names.get(e.getKey()), e.getKey(), status, j.path("attempt").asInt(),
                    good ? "" : "  EXPECTED " + e.getValue() + ", GET says " + read);
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

    /** Opens the WebSocket API as user 'demo' and subscribes to all of its jobs, those to come included. */
    private WebSocket listen() throws Exception {
        CompletableFuture<Void> subscribed = new CompletableFuture<>();
        WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(stack.webSocketUrl() + "?user=demo"), new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    onMessage(partial.toString(), subscribed);
                    partial.setLength(0);
                }
                ws.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
        socket.sendText("{\"action\": \"subscribe\", \"all\": true}", true);
        subscribed.get(10, TimeUnit.SECONDS);
        return socket;
    }

    private void onMessage(String text, CompletableFuture<Void> subscribed) {
        try {
            JsonNode m = JSON.readTree(text);
            String type = m.path("type").asText();
            if (type.equals("subscribed")) {
                subscribed.complete(null);
            } else if (type.startsWith("job.")) {
                messages.incrementAndGet();
                // messages of one job may be sent from two functions at once: nothing replaces its end
                pushed.merge(m.path("data").path("jobId").asText(), m.path("data"), (was, now) -> isTerminal(was.path("status").asText()) ? was : now);
            }
        } catch (IOException e) {
            out.println("  not JSON from the WebSocket API: " + text);
        }
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
