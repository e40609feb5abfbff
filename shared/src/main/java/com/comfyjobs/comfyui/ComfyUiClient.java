package com.comfyjobs.comfyui;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.secrets.SecretUnavailableException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Calls one ComfyUI server's HTTP API over java.net.http. Every call carries the configured
 * header and a request timeout; a server that cannot be reached, times out or answers 5xx (or with
 * something that is not ComfyUI's JSON) is reported as unavailable, never thrown. History is asked
 * for one prompt id, or a page at a time with a cap on the bytes read (a full history can reach
 * hundreds of MB).
 */
public final class ComfyUiClient {
    /** Python's json.dumps writes NaN and Infinity for such floats, which a prompt's graph in /history can hold. */
    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private final URI base;
    private final HttpClient http;
    private final ComfyUiSettings settings;

    public ComfyUiClient(URI base, HttpClient http, ComfyUiSettings settings) {
        this.base = ComfyUiSettings.normalize(base);
        this.http = http;
        this.settings = settings;
    }

    /** An HTTP client for these settings: HTTP/1.1 (ComfyUI's aiohttp speaks nothing else), connect timeout. */
    public static HttpClient httpClient(ComfyUiSettings settings) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public URI baseUrl() {
        return base;
    }

    /**
     * Queues {@code workflow} under a prompt id we choose. {@code extraData} comes back verbatim in
     * /history and /queue: it carries our job and user ids.
     */
    public PromptSubmitResult submit(String promptId, String clientId, Workflow workflow, Map<String, String> extraData) {
        HttpResponse<byte[]> r;
        try {
            r = http.send(post("/prompt", promptBody(promptId, clientId, workflow, extraData), settings.requestTimeout()),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            return new PromptSubmitResult.Unavailable(reason(e), !neverSent(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new PromptSubmitResult.Unavailable("interrupted", true);
        }
        JsonNode answer = parse(r.body());
        if (r.statusCode() == 200 && answer != null && answer.path("prompt_id").isTextual()) {
            return new PromptSubmitResult.Accepted(answer.get("prompt_id").asText(), answer.path("number").asLong(),
                    answer.path("node_errors"));
        }
        if (r.statusCode() == 400 && answer != null && answer.has("error")) {
            return new PromptSubmitResult.Rejected(answer.get("error"), answer.path("node_errors"));
        }
        return new PromptSubmitResult.Unavailable(unexpected("POST /prompt", r.statusCode()), true);
    }

    /** Failures that happen before a request can have reached the server. */
    private static boolean neverSent(IOException e) {
        return e instanceof ConnectException || e instanceof HttpConnectTimeoutException || e instanceof HeaderUnavailableException;
    }

    /** The workflow goes in as the JSON it was stored as: it is valid already, and can be large. */
    private static String promptBody(String promptId, String clientId, Workflow workflow, Map<String, String> extraData) throws IOException {
        StringWriter out = new StringWriter(workflow.json().length() + 256);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeFieldName("prompt");
            g.writeRawValue(workflow.json());
            g.writeStringField("client_id", clientId);
            g.writeStringField("prompt_id", promptId);
            g.writeObjectFieldStart("extra_data");
            for (Map.Entry<String, String> e : extraData.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        return out.toString();
    }

    /** GET /history/{id}: the entry, or empty when ComfyUI answers {} (unknown, unfinished or lost). */
    public Reply<Optional<HistoryEntry>> history(String promptId) {
        Reply<JsonNode> r = getJson("/history/" + URLEncoder.encode(promptId, StandardCharsets.UTF_8), settings.requestTimeout());
        if (r instanceof Reply.Ok<JsonNode> ok) {
            JsonNode entry = ok.value().get(promptId);
            if (!ok.value().isObject()) {
                return new Reply.Unavailable<>("GET /history answered something that is not a JSON object");
            }
            return new Reply.Ok<>(entry == null || !entry.isObject() ? Optional.empty()
                    : Optional.of(HistoryEntry.parse(promptId, entry)));
        }
        return new Reply.Unavailable<>(((Reply.Unavailable<JsonNode>) r).reason());
    }

    /**
     * GET /history?offset=N&max_items=M: at most {@code maxItems} entries from the {@code offset}-th
     * oldest on. An answer longer than {@code maxBytes} is not read past that and is reported as
     * unavailable, as is anything that is not a JSON object.
     */
    public Reply<HistoryPage> historyPage(int offset, int maxItems, long maxBytes) {
        String path = "/history?offset=" + offset + "&max_items=" + maxItems;
        try {
            HttpResponse<InputStream> r = http.send(get(path, settings.requestTimeout()), HttpResponse.BodyHandlers.ofInputStream());
            byte[] body;
            try (InputStream in = r.body()) {
                body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            }
            if (body.length > maxBytes) {
                return new Reply.Unavailable<>("GET " + path + " on " + base + " answered more than " + maxBytes + " bytes");
            }
            JsonNode page = r.statusCode() == 200 ? parse(body) : null;
            if (page == null || !page.isObject()) {
                return new Reply.Unavailable<>(unexpected("GET " + path, r.statusCode()));
            }
            List<String> ids = new ArrayList<>(page.size());
            Map<String, HistoryEntry> entries = new HashMap<>();
            page.fields().forEachRemaining(e -> {
                ids.add(e.getKey());
                if (e.getValue().isObject()) {
                    entries.put(e.getKey(), HistoryEntry.parse(e.getKey(), e.getValue()).withoutGraph());
                }
            });
            return new Reply.Ok<>(new HistoryPage(ids, entries, body.length));
        } catch (IOException e) {
            return new Reply.Unavailable<>(reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply.Unavailable<>("interrupted");
        }
    }

    public Reply<QueueSnapshot> queue() {
        Reply<JsonNode> r = getJson("/queue", settings.requestTimeout());
        if (r instanceof Reply.Ok<JsonNode> ok) {
            return new Reply.Ok<>(QueueSnapshot.parse(ok.value()));
        }
        return new Reply.Unavailable<>(((Reply.Unavailable<JsonNode>) r).reason());
    }

    /** GET /prompt: pending plus running prompts, the pool's load signal. */
    public Reply<Integer> queueRemaining(Duration timeout) {
        Reply<JsonNode> r = getJson("/prompt", timeout);
        if (r instanceof Reply.Ok<JsonNode> ok) {
            JsonNode n = ok.value().path("exec_info").path("queue_remaining");
            return n.isInt() ? new Reply.Ok<>(n.asInt()) : new Reply.Unavailable<>("GET /prompt lacks exec_info.queue_remaining");
        }
        return new Reply.Unavailable<>(((Reply.Unavailable<JsonNode>) r).reason());
    }

    /** The same probe without blocking, for asking every server of the pool at once. */
    public CompletableFuture<Reply<Integer>> queueRemainingAsync(Duration timeout) {
        HttpRequest probe;
        try {
            probe = get("/prompt", timeout);
        } catch (HeaderUnavailableException e) {
            return CompletableFuture.completedFuture(new Reply.Unavailable<>(reason(e)));
        }
        return http.sendAsync(probe, HttpResponse.BodyHandlers.ofByteArray())
                .handle((r, e) -> {
                    if (e != null) {
                        return new Reply.Unavailable<Integer>(reason(e.getCause() == null ? e : e.getCause()));
                    }
                    JsonNode body = r.statusCode() == 200 ? parse(r.body()) : null;
                    JsonNode n = body == null ? null : body.path("exec_info").path("queue_remaining");
                    return n != null && n.isInt() ? new Reply.Ok<>(n.asInt())
                            : new Reply.Unavailable<Integer>(unexpected("GET /prompt", r.statusCode()));
                });
    }

    public Reply<JsonNode> systemStats() {
        return getJson("/system_stats", settings.requestTimeout());
    }

    /** POST /interrupt {prompt_id}: stops the prompt only if it is the one running now. */
    public Reply<Void> interrupt(String promptId) {
        return postNoContent("/interrupt", write(JSON.createObjectNode().put("prompt_id", promptId)));
    }

    /** POST /queue {delete: [id]}: removes the prompt if it is still pending (never a running one). */
    public Reply<Void> deletePending(String promptId) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("delete").add(promptId);
        return postNoContent("/queue", write(body));
    }

    /** Streams an output file; the caller closes the {@link Download}. */
    public DownloadResult download(String filename, String subfolder, String type) {
        String query = "filename=" + enc(filename) + "&subfolder=" + enc(subfolder) + "&type=" + enc(type);
        HttpResponse<InputStream> r;
        try {
            r = http.send(get("/view?" + query, settings.requestTimeout()), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            return new DownloadResult.Unavailable(reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new DownloadResult.Unavailable("interrupted");
        }
        int status = r.statusCode();
        if (status == 200) {
            return new DownloadResult.Found(new Download(r.body(), r.headers().firstValueAsLong("content-length").orElse(-1),
                    r.headers().firstValue("content-type").orElse("application/octet-stream")));
        }
        drain(r.body());
        if (status == 404) {
            return new DownloadResult.Missing();
        }
        if (status == 400 || status == 403) {
            return new DownloadResult.Refused(status);
        }
        return new DownloadResult.Unavailable(unexpected("GET /view", status));
    }

    /** GET /object_info: every node class's inputs, reduced to what the file-input rules need. */
    public Reply<ObjectInfo> objectInfo() {
        Reply<JsonNode> r = getJson("/object_info", settings.requestTimeout());
        if (r instanceof Reply.Ok<JsonNode> ok) {
            return ok.value().isObject() ? new Reply.Ok<>(ObjectInfo.parse(ok.value()))
                    : new Reply.Unavailable<>("GET /object_info answered something that is not a JSON object");
        }
        return new Reply.Unavailable<>(((Reply.Unavailable<JsonNode>) r).reason());
    }

    /**
     * POST /upload/image: {@code image} into {@code subfolder} of ComfyUI's input folder under
     * {@code filename}, replacing a file of that name ({@code overwrite}), as the frontend's upload
     * widget sends it. {@code filename} and {@code subfolder} are ours, never caller text.
     */
    public ImageUploadResult uploadImage(String subfolder, String filename, String contentType, byte[] image) {
        String boundary = "comfyjobs-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream(image.length + 512);
        formField(body, boundary, "type", "input");
        formField(body, boundary, "subfolder", subfolder);
        formField(body, boundary, "overwrite", "true");
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + filename
                + "\"\r\nContent-Type: " + contentType + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(image);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> r;
        try {
            r = http.send(request("/upload/image", settings.requestTimeout())
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            return new ImageUploadResult.Unavailable(reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ImageUploadResult.Unavailable("interrupted");
        }
        JsonNode answer = r.statusCode() == 200 ? parse(r.body()) : null;
        if (answer != null && answer.path("name").isTextual()) {
            return new ImageUploadResult.Uploaded(answer.get("name").asText(), answer.path("subfolder").asText(""),
                    answer.path("type").asText("input"));
        }
        if (r.statusCode() >= 400 && r.statusCode() < 500) {
            return new ImageUploadResult.Refused(r.statusCode());
        }
        return new ImageUploadResult.Unavailable(unexpected("POST /upload/image", r.statusCode()));
    }

    private static void formField(ByteArrayOutputStream body, String boundary, String name, String value) {
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n")
                .getBytes(StandardCharsets.UTF_8));
    }

    private Reply<JsonNode> getJson(String path, Duration timeout) {
        try {
            HttpResponse<byte[]> r = http.send(get(path, timeout), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode body = r.statusCode() == 200 ? parse(r.body()) : null;
            if (body == null) {
                return new Reply.Unavailable<>(unexpected("GET " + path, r.statusCode()));
            }
            return new Reply.Ok<>(body);
        } catch (IOException e) {
            return new Reply.Unavailable<>(reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply.Unavailable<>("interrupted");
        }
    }

    private Reply<Void> postNoContent(String path, String body) {
        try {
            HttpResponse<Void> r = http.send(post(path, body, settings.requestTimeout()), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200 ? new Reply.Ok<>(null) : new Reply.Unavailable<>(unexpected("POST " + path, r.statusCode()));
        } catch (IOException e) {
            return new Reply.Unavailable<>(reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply.Unavailable<>("interrupted");
        }
    }

    private HttpRequest get(String path, Duration timeout) throws HeaderUnavailableException {
        return request(path, timeout).GET().build();
    }

    private HttpRequest post(String path, String body, Duration timeout) throws HeaderUnavailableException {
        return request(path, timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
    }

    private HttpRequest.Builder request(String path, Duration timeout) throws HeaderUnavailableException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
        Optional<Map.Entry<String, String>> header;
        try {
            header = settings.header().current();
        } catch (SecretUnavailableException | ConfigException e) {
            throw new HeaderUnavailableException(e.getMessage(), e);
        }
        header.ifPresent(h -> b.header(h.getKey(), h.getValue()));
        return b;
    }

    /**
     * The configured header cannot be had (its secret unreadable, or rotated to a malformed value): the
     * call is not sent, and is answered as a server that cannot be reached (the request surely never
     * left), like every other reason a call cannot be made.
     */
    private static final class HeaderUnavailableException extends IOException {
        HeaderUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static JsonNode parse(byte[] body) {
        try {
            return body == null || body.length == 0 ? null : JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String write(JsonNode n) {
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8);
    }

    private static void drain(InputStream in) {
        try (in) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            // the connection is dropped instead of reused; nothing else depends on it
        }
    }

    private String unexpected(String call, int status) {
        return call + " on " + base + " answered HTTP " + status + (status >= 500 ? "" : " without ComfyUI's JSON");
    }

    private String reason(Throwable e) {
        if (e instanceof HttpTimeoutException) {
            return "no answer from " + base + " in time";
        }
        if (e instanceof HeaderUnavailableException) {
            return "not sent to " + base + ": its header is unavailable: " + e.getMessage();
        }
        return "cannot reach " + base + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
    }
}
