package com.comfyjobs.local;

import com.comfyjobs.job.JobFolder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/** A caller of the local stack's API over real HTTP, as a user's program would be. */
final class Api {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private final URI base;
    /** Under serve: each user's API key, sent as a bearer token instead of X-Dev-User. */
    private final java.util.Map<String, String> keys;
    /** When set, every answer is checked against docs/openapi.yaml. */
    private final OpenApiContract contract;

    record Response(int status, HttpResponse<String> raw, JsonNode body) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    Api(URI base) {
        this(base, null, null);
    }

    private Api(URI base, java.util.Map<String, String> keys, OpenApiContract contract) {
        this.base = base;
        this.keys = keys;
        this.contract = contract;
    }

    /** A caller of {@code serve}: each user sends its key from {@code keys}. */
    static Api withKeys(URI base, java.util.Map<String, String> keys) {
        return new Api(base, java.util.Map.copyOf(keys), null);
    }

    /** The same caller, failing on the first answer that breaks {@code contract}. */
    Api checkedAgainst(OpenApiContract contract) {
        return new Api(base, keys, contract);
    }

    static ObjectNode workflow(int seed) {
        try {
            ObjectNode wf = (ObjectNode) JSON.readTree(Api.class.getResourceAsStream("/workflows/default-txt2img.json"));
            // KSampler refuses negative seeds; callers pass any int (a hash, a clock)
            ((ObjectNode) wf.get("3").get("inputs")).put("seed", Math.abs((long) seed));
            return wf;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String submitBody(int seed) {
        ObjectNode b = JSON.createObjectNode();
        b.set("workflow", workflow(seed));
        return b.toString();
    }

    Response submit(String user, String body, String key) {
        HttpRequest.Builder r = request("/jobs", user).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            r.header("Idempotency-Key", key);
        }
        return send(r);
    }

    /** POST /jobs with {@code images} beside the workflow. */
    Response submit(String user, JsonNode workflow, JsonNode images) {
        ObjectNode b = JSON.createObjectNode();
        b.set("workflow", workflow);
        if (images != null) {
            b.set("images", images);
        }
        return submit(user, b.toString(), null);
    }

    /** POST /jobs body: the workflow and a webhook to {@code url} for {@code events} (null: the default, the job's ends). */
    static String submitBody(int seed, String url, String... events) {
        ObjectNode b = JSON.createObjectNode();
        b.set("workflow", workflow(seed));
        ObjectNode w = b.putObject("webhook").put("url", url);
        if (events.length > 0) {
            for (String e : events) {
                w.withArray("events").add(e);
            }
        }
        return b.toString();
    }

    Response webhookSecret(String user) {
        return send(request("/webhook-secret", user).GET());
    }

    Response rotateWebhookSecret(String user, String body) {
        return send(request("/webhook-secret", user).POST(body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)));
    }

    Response createUpload(String user) {
        return send(request("/uploads", user).POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** The caller's PUT of an image to the presigned URL POST /uploads answered. */
    int put(String url, byte[] bytes) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An upload of {@code bytes} by {@code user}: POST /uploads, then the PUT; answers the upload id. */
    String uploaded(String user, byte[] bytes) {
        Response created = createUpload(user);
        if (created.status() != 201 || put(created.body().get("url").asText(), bytes) != 200) {
            throw new IllegalStateException("upload failed: " + created.body());
        }
        return created.body().get("upload").asText();
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    Response get(String user, String job) {
        return send(request("/jobs/" + job, user).GET());
    }

    Response list(String user, String query) {
        return send(request("/jobs" + (query == null ? "" : "?" + query), user).GET());
    }

    Response cancel(String user, String job) {
        return send(request("/jobs/" + job, user).DELETE());
    }

    Response templates(String user) {
        return send(request("/templates", user).GET());
    }

    Response template(String user, String name) {
        return send(request("/templates/" + name, user).GET());
    }

    Response publish(String user, String name, String body) {
        return send(request("/templates/" + name, user).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    Response retire(String user, String name) {
        return send(request("/templates/" + name, user).DELETE());
    }

    /** A POST /jobs body for a template job. */
    static String templateBody(String template, ObjectNode params) {
        ObjectNode b = JSON.createObjectNode().put("template", template);
        b.set("params", params);
        return b.toString();
    }

    static ObjectNode params() {
        return JSON.createObjectNode();
    }

    Response deleteArtifacts(String user, String job) {
        return send(request("/jobs/" + job + "/artifacts", user).DELETE());
    }

    Response raw(HttpRequest.Builder r) {
        return send(r);
    }

    HttpRequest.Builder request(String path, String user) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (user != null && keys != null) {
            b.header("Authorization", "Bearer " + keys.get(user));
        } else if (user != null) {
            b.header(ApiGatewayEmulator.DEV_USER_HEADER, user);
        }
        return b;
    }

    byte[] download(String url) {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("download answered " + r.statusCode());
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Polls GET until the job satisfies {@code until}; the observed progress values are returned too. */
    JsonNode await(String user, String job, Predicate<JsonNode> until, Duration limit, List<Double> progressSeen) {
        long deadline = System.nanoTime() + limit.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = get(user, job).body();
            if (progressSeen != null) {
                progressSeen.add(last.path("progress").asDouble());
            }
            if (until.test(last)) {
                return last;
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("job " + job + " did not get there in " + limit + "; last seen " + last);
    }

    /** The ComfyUI folder the job's current attempt saved its outputs in. */
    static String folderOf(JsonNode job) {
        return JobFolder.of(job.get("jobId").asText(), job.get("attempt").asInt());
    }

    static Predicate<JsonNode> status(String s) {
        return j -> s.equals(j.path("status").asText());
    }

    static Predicate<JsonNode> terminal() {
        return j -> List.of("succeeded", "failed", "canceled", "expired").contains(j.path("status").asText());
    }

    private Response send(HttpRequest.Builder r) {
        try {
            HttpRequest request = r.build();
            HttpResponse<String> resp = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (contract != null) {
                List<String> broken = contract.violations(request.method(), request.uri(), resp.statusCode(),
                        resp.headers().firstValue("Content-Type").orElse(null), resp.body() == null ? "" : resp.body());
                if (!broken.isEmpty()) {
                    throw new AssertionError("the answer breaks docs/openapi.yaml: " + String.join("; ", broken));
                }
            }
            JsonNode body = resp.body() == null || resp.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(resp.body());
            return new Response(resp.statusCode(), resp, body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
