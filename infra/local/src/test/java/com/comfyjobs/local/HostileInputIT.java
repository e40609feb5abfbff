package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.testing.ShippedTemplates;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Ten thousand generated hostile requests across every route: broken JSON, wrong types, huge and
 * deeply nested bodies, odd unicode, path traversal and overlong ids, bad cursors and limits, missing
 * and garbage headers, bad signatures; template jobs with params of every JSON type, unknown and
 * retired templates, names with traversal and encoding tricks, publishing and retiring by non-admins
 * and, by an admin, only of bodies and names that are refused; webhooks of every wrong shape, event and
 * URL on raw and template jobs, and rotations of the signing secret with a body; usage queries with
 * dates that are none, ranges backwards or too long, and another user's usage without the admin claim. Not one may answer
 * 5xx, every answer must be a problem+json with a title, and Redis and S3 must be exactly as they were.
 */
class HostileInputIT {
    private static final int REQUESTS = Integer.getInteger("hostile.requests", 10_000);
    private static LocalStack stack;
    private static Api api;
    private static final String RETIRED = "retired-one";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static String realJob;
    private static ObjectNode txt2img;
    private static String realUpload;

    @BeforeAll
    static void start() throws Exception {
        LocalStack.Options o = TestStacks.options("hostile-it");
        o.simulatorStepMillis = 1;
        stack = LocalStack.start(o);
        api = new Api(stack.apiUrl());
        realJob = api.submit("victim", Api.submitBody(1), null).body().get("jobId").asText();
        api.await("victim", realJob, Api.terminal(), Duration.ofSeconds(60), null);
        String retired = ShippedTemplates.body("txt2img").replace("\"description\": \"", "\"description\": \"Retired. ");
        if (api.publish("admin", RETIRED, retired).status() != 201 || api.retire("admin", RETIRED).status() != 204) {
            throw new IllegalStateException("could not set up the retired template");
        }
        txt2img = (ObjectNode) JSON.readTree(ShippedTemplates.body("txt2img"));
        realUpload = api.uploaded("victim", com.comfyjobs.testing.JobFixtures.image("png", 8));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void noHostileRequestGetsA5xxOrChangesAnything() throws Exception {
        String before = redisDigest();
        int objectsBefore = s3Objects();
        Random rnd = new Random(20261122);
        List<Supplier<HttpRequest.Builder>> kinds = kinds(rnd);
        Map<Integer, Integer> statuses = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        long[] nanosPerKind = new long[kinds.size()];
        int[] perKind = new int[kinds.size()];
        for (int i = 0; i < REQUESTS; i++) {
            int kind = rnd.nextInt(kinds.size());
            HttpRequest.Builder req = kinds.get(kind).get();
            long t0 = System.nanoTime();
            Api.Response r = api.raw(req);
            nanosPerKind[kind] += System.nanoTime() - t0;
            perKind[kind]++;
            statuses.merge(r.status(), 1, Integer::sum);
            String why = check(r);
            if (why != null && failures.size() < 20) {
                failures.add("kind " + kind + " " + req.build().method() + " " + abbreviate(req.build().uri().toString()) + ": " + why);
            }
        }
        StringBuilder timing = new StringBuilder();
        for (int k = 0; k < kinds.size(); k++) {
            timing.append(String.format(" %d:%dx%.1fms", k, perKind[k], perKind[k] == 0 ? 0 : nanosPerKind[k] / 1e6 / perKind[k]));
        }
        System.out.println("hostile: " + REQUESTS + " requests, statuses " + statuses + ", per kind" + timing);
        assertEquals(List.of(), failures, "statuses " + statuses);
        assertEquals(before, redisDigest(), "Redis changed");
        assertEquals(objectsBefore, s3Objects(), "S3 changed");
        assertTrue(statuses.keySet().stream().allMatch(s -> s >= 400 && s < 500), "statuses " + statuses);
    }

    private static String check(Api.Response r) {
        if (r.status() >= 500) {
            return "answered " + r.status() + " " + r.raw().body();
        }
        if (r.status() < 400) {
            return "accepted hostile input with " + r.status();
        }
        if (!"application/problem+json".equals(r.header("Content-Type"))) {
            return "content type " + r.header("Content-Type");
        }
        if (r.body().path("title").asText().isBlank() || r.body().path("status").asInt() != r.status()) {
            return "problem without a title or with a wrong status: " + r.body();
        }
        String body = r.raw().body();
        if (body.contains("java.") || body.contains("at com.") || body.contains("Traceback") || body.contains("File \\\"")
                || body.contains("redis://")) {
            return "leaks internals: " + body;
        }
        return null;
    }

    private static List<Supplier<HttpRequest.Builder>> kinds(Random rnd) {
        String valid = Api.submitBody(7);
        List<Supplier<HttpRequest.Builder>> k = new ArrayList<>();
        // broken JSON: every kind of truncation and corruption of a valid body
        k.add(() -> post(valid.substring(0, rnd.nextInt(valid.length() - 1)), null));
        k.add(() -> post(corrupt(valid, rnd), null));
        // wrong types and shapes
        k.add(() -> post(pick(rnd, "{\"workflow\": 5}", "{\"workflow\": \"x\"}", "{\"workflow\": []}", "{\"workflow\": {}}",
                "{\"workflow\": {\"1\": []}}", "{\"workflow\": {\"1\": {\"class_type\": 7, \"inputs\": {}}}}", "[]", "null", "true", "1e999",
                "{\"workflow\": {\"1\": {\"class_type\": \"KSampler\", \"inputs\": \"x\"}}}", "{}", "\"\"", "{\"type\": \"image_generation\"}",
                "{\"workflow\": " + Api.workflow(1) + ", \"type\": \"video\"}", "{\"workflow\": " + Api.workflow(1) + ", \"metadata\": 3}",
                "{\"workflow\": " + Api.workflow(1) + ", \"characterId\": {}}", "{\"workflow\": " + Api.workflow(1) + ", \"admin\": true}"), null));
        // huge and deep
        k.add(() -> post("{\"workflow\": {\"1\": {\"class_type\": \"" + "A".repeat(1_100_000) + "\", \"inputs\": {}}}}", null));
        k.add(() -> post("{\"workflow\": " + "{\"a\":".repeat(5000) + "1" + "}".repeat(5000) + "}", null));
        k.add(() -> post("[".repeat(100_000) + "]".repeat(100_000), null));
        // odd unicode
        k.add(() -> post("{\"workflow\": {\"\\ud800\": {\"class_type\": \"\\u202e\\u0000\", \"inputs\": {\"\\uffff\": \"\\udfff\"}}}, \"x\": 1}", null));
        k.add(() -> post("{\"workflow\": {\"1\": {\"class_type\": \"Kسamp\u200bler\", \"inputs\": {}}}, \"typ\u0065\u0301\": 1}", null));
        // garbage idempotency keys on an otherwise broken body, and garbage keys on a workflow that is not one
        k.add(() -> post("{\"workflow\": {}}", pick(rnd, "x".repeat(300), "a b c", "{}", "../../", "\t")));
        // ids: traversal, overlong, encoded, unicode
        k.add(() -> request("/jobs/" + pickId(rnd)).GET());
        k.add(() -> request("/jobs/" + pickId(rnd)).DELETE());
        k.add(() -> request("/jobs/" + realJob).header("X-Dev-User", "mallory").GET());
        k.add(() -> request("/jobs/" + realJob).header("X-Dev-User", "mallory").DELETE());
        k.add(() -> request("/jobs/" + pickId(rnd) + "/artifacts").DELETE());
        k.add(() -> request("/jobs/" + realJob + "/artifacts").header("X-Dev-User", "mallory").DELETE());
        // listing: bad cursors, limits and statuses
        k.add(() -> request("/jobs?cursor=" + enc(pick(rnd, "x", "djE6", "djE6LTU6eA", Base64.getEncoder().encodeToString(new byte[64]),
                "%%", "A".repeat(2000), "djE6LTE6"))).GET());
        k.add(() -> request("/jobs?limit=" + enc(pick(rnd, "0", "-1", "101", "abc", "1e9", "", "99999999999", "20.5"))).GET());
        k.add(() -> request("/jobs?status=" + enc(pick(rnd, "x", ",,", "QUEUED", "running,paused", "succeeded;drop", "\u0000"))).GET());
        // usage: dates that are not calendar dates, ranges backwards or over 92 days, another user's without the admin claim
        k.add(() -> request("/usage?from=" + enc(pick(rnd, "2026-02-30", "2026-13-01", "26-01-01", "yesterday", "2026-01-01T00:00:00Z",
                "\u0000", "%00", "2026-1-1", "９", "A".repeat(3000))) + "&to=2026-03-01").GET());
        k.add(() -> request("/usage?to=" + enc(pick(rnd, "2026-02-29", "0000-00-00", "2026/03/01", "-1", "99999-01-01"))).GET());
        k.add(() -> request("/usage?from=" + pick(rnd, "2026-03-02", "2025-01-01", "2020-01-01") + "&to=2026-03-01").GET());
        k.add(() -> request("/usage?user=" + enc(pick(rnd, "victim", "admin", "dev ", "*", "../victim", "victim%00"))).GET());
        k.add(() -> request("/usage?user=" + enc(pick(rnd, "", "u".repeat(300)))).header("X-Dev-User", "admin").GET());
        // webhooks: no, bad, stale, future and garbage signatures, garbage bodies
        k.add(() -> webhook("{\"event\":\"comfy.progress\",\"data\":{\"type\":\"progress\",\"data\":{\"prompt_id\":\"" + realJob + "_1\"}}}",
                pick(rnd, "none", "bad", "stale", "future", "garbage")));
        k.add(() -> webhook(corrupt("{\"event\":\"comfy.execution_success\"}", rnd), "bad"));
        k.add(() -> webhook("x".repeat(1_200_000), "none"));
        // template jobs: params of every JSON type where they do not fit, unknown and retired templates, huge params
        k.add(() -> post(templateJob("txt2img", "{\"prompt\": \"x\", \"" + pick(rnd, "width", "steps", "sampler", "seed",
                "batch_size", "checkpoint") + "\": " + pickValue(rnd) + "}"), null));
        k.add(() -> post(templateJob("txt2img", "{\"prompt\": " + pick(rnd, "5", "true", "null", "[]", "{}", "[\"4\", 0]", "\"\"") + "}"),
                null));
        k.add(() -> post("{\"template\": \"txt2img\", \"params\": " + pickValue(rnd) + "}", null));
        k.add(() -> post(templateJob("txt2img", "{\"prompt\": \"x\", \"width\": 2048, \"height\": 2048, \"batch_size\": "
                + pick(rnd, "1", "10") + "}"), null));
        k.add(() -> post(templateJob(pick(rnd, RETIRED, "no-such-template", "txt2img-"), "{\"prompt\": \"x\"}"), null));
        k.add(() -> post("{\"template\": \"" + pick(rnd, "txt2img", RETIRED) + "\", \"templateVersion\": "
                + pick(rnd, "2", "99", "0", "-1", "\"1\"", "1.5", "null0") + ", \"params\": {\"prompt\": \"x\"}}", null));
        k.add(() -> post(templateJob("txt2img", "{\"prompt\": \"" + "p".repeat(900_000) + "\"}"), null));
        k.add(() -> post(templateJob("txt2img", manyParams(5_000)), null));
        k.add(() -> post(pick(rnd, "{\"template\": \"txt2img\", \"workflow\": " + Api.workflow(1) + "}",
                "{\"template\": \"txt2img\", \"type\": \"other\", \"params\": {\"prompt\": \"x\"}}",
                "{\"params\": {\"prompt\": \"x\"}}", "{\"workflow\": " + Api.workflow(1) + ", \"params\": {}}"), null));
        // template names: traversal, encoding, case, length, in the path and in the body
        k.add(() -> request("/templates/" + pickName(rnd)).header("X-Dev-User", pick(rnd, "dev", "admin")).GET());
        k.add(() -> post(templateJob(pick(rnd, "../txt2img", "TXT2IMG", "txt2img\\u0000", "%2e%2e", "a".repeat(65), "txt2img/..", "{x}",
                "t:x", ""), "{}"), null));
        // publishing and retiring: anyone but an admin; an admin only with bodies and names that are refused
        k.add(() -> put(pick(rnd, "txt2img", "mine", RETIRED), txt2img.toString(), pick(rnd, "dev", "mallory")));
        k.add(() -> request("/templates/" + pick(rnd, "txt2img", RETIRED, "img2img")).header("X-Dev-User", "mallory").DELETE());
        k.add(() -> request("/templates/" + pick(rnd, "never-published", "nope-" + rnd.nextInt(100))).header("X-Dev-User", "admin").DELETE());
        k.add(() -> request("/templates/" + pickName(rnd)).header("X-Dev-User", "admin").DELETE());
        k.add(() -> put(pick(rnd, "hostile", "txt2img"), brokenTemplate(rnd), "admin"));
        k.add(() -> put(pickName(rnd), txt2img.toString(), "admin"));
        // input images: garbage and foreign upload ids, data URIs that are not images or too big, bad targets, refused URLs
        String wf = Api.workflow(1).toString();
        k.add(() -> post("{\"workflow\": " + wf + ", \"images\": {\"3.inputs.image\": " + pick(rnd, "{\"upload\": \"" + realUpload + "\"}",
                "{\"upload\": \"x\"}", "{\"upload\": \"\"}", "{\"upload\": \"../victim/" + realUpload + "\"}", "{\"upload\": 5}",
                "{\"upload\": null}", "{\"upload\": {}}", "{\"upload\": \"" + "a".repeat(5000) + "\"}",
                "{\"upload\": \"00000000-0000-4000-8000-000000000000\"}", "{\"upload\": \"" + realUpload.toUpperCase() + "\"}",
                "{\"upload\": \"" + realUpload + "\", \"x\": 1}", "{}", "[]", "null", "7") + "}}", null)
                .header("X-Dev-User", "mallory"));
        k.add(() -> post("{\"workflow\": " + wf + ", \"images\": {\"3.inputs.image\": \"" + pick(rnd,
                "data:image/png;base64," + Base64.getEncoder().encodeToString("root:x:0:0:root:/root:/bin/bash".getBytes(StandardCharsets.UTF_8)),
                "data:image/png;base64,!!!!", "data:image/gif;base64,R0lGODlhAQABAAAAACw=", "data:text/html;base64,PGh0bWw+",
                "data:image/png;base64," + "A".repeat(1_100_000), "data:,", "DATA:", "file:///etc/passwd", "ftp://example.com/a.png",
                "javascript:alert(1)", "http://127.0.0.1:1/a.png", "https://user:pw@example.com/a.png", "https://exa mple.com/",
                "//example.com/a.png", "../../etc/passwd", "/etc/passwd", "x".repeat(3000)) + "\"}}", null));
        k.add(() -> post("{\"workflow\": " + wf + ", \"images\": " + pick(rnd, "[]", "\"x\"", "5", "{\"x\": \"https://e/a.png\"}",
                "{\"3.inputs.\": \"https://e/a.png\"}", "{\".inputs.image\": \"https://e/a.png\"}", "{\"99.inputs.image\": \"https://e/a.png\"}",
                "{\"3.inputs.image\": \"https://e/a.png\", \"3.inputs.image\": \"https://e/b.png\"}", "{\"\\u0000.inputs.x\": 1}",
                sixteenPlusOneImages()) + "}", null));
        // a template's image param: the same garbage, another user's upload, refused URLs and data URIs
        k.add(() -> post(templateJob("img2img", "{\"prompt\": \"x\", \"image\": " + pick(rnd, "{\"upload\": \"" + realUpload + "\"}",
                "{\"upload\": \"x\"}", "{\"upload\": 5}", "{}", "[]", "7", "\"file:///etc/passwd\"", "\"http://169.254.169.254/latest\"",
                "\"https://127.0.0.1/a.png\"", "\"data:image/png;base64,!!!!\"", "\"../../etc/passwd\"", "\"x.png [output]\"") + "}"), null)
                .header("X-Dev-User", "mallory"));
        // webhooks: wrong shapes, events callbacks do not carry, URLs refused even where private addresses are allowed
        k.add(() -> post("{\"workflow\": " + wf + ", \"webhook\": " + pick(rnd, "\"https://example.com/hook\"", "5", "[]", "{}", "null0",
                "{\"url\": 5}", "{\"url\": \"\"}", "{\"url\": null}", "{\"url\": [\"https://example.com\"]}",
                "{\"url\": \"https://example.com/h\", \"secret\": \"whsec_x\"}", "{\"url\": \"https://example.com/h\", \"events\": []}",
                "{\"url\": \"https://example.com/h\", \"events\": \"job.failed\"}", "{\"url\": \"https://example.com/h\", \"events\": {}}",
                "{\"url\": \"https://example.com/h\", \"events\": [\"job.queued\"]}", "{\"url\": \"https://example.com/h\", \"events\": [\"JOB.FAILED\"]}",
                "{\"url\": \"https://example.com/h\", \"events\": [\"job.failed\", \"job.failed\"]}",
                "{\"url\": \"https://example.com/h\", \"events\": [\"job.failed\\u0000\"]}",
                "{\"url\": \"https://example.com/h\", \"events\": [" + "\"job.failed\",".repeat(3000) + "\"x\"]}") + "}", null));
        k.add(() -> post("{\"workflow\": " + wf + ", \"webhook\": {\"url\": \"" + pick(rnd, "ftp://example.com/hook", "file:///etc/passwd",
                "javascript:alert(1)", "gopher://127.0.0.1:6379/_FLUSHALL", "https://user:pw@example.com/hook", "https:///hook",
                "https://exa mple.com/", "//example.com/hook", "/hooks/jobs", "https://" + "a".repeat(2100) + ".com/",
                "https://nothing-here.invalid/hook", "https://[::1", "\\u202ehttps://example.com") + "\"}}", null));
        k.add(() -> post(templateJob("txt2img", "{\"prompt\": \"x\"}").replaceFirst("}$", ", \"webhook\": " + pick(rnd,
                "{\"url\": \"ftp://example.com/hook\"}", "{\"url\": \"https://example.com/h\", \"events\": [\"job.running\"]}", "7",
                "{\"url\": \"https://example.com/h\", \"extra\": 1}") + "}"), null));
        // the signing secret: a rotation takes no body, so any body rotates nothing
        k.add(() -> request("/webhook-secret").header("X-Dev-User", pick(rnd, "victim", "mallory")).POST(HttpRequest.BodyPublishers.ofString(
                pick(rnd, "{\"secret\": \"whsec_AAAA\"}", "x", "[]", "null", "{} {}", "{\"previous\": true}", "\"whsec_x\"",
                "{".repeat(5000), "a".repeat(1_100_000)))));
        // file inputs: another job's output, paths out of ComfyUI's folders, a plain name that is not this job's
        k.add(() -> post("{\"workflow\": " + loadImage(pick(rnd, "ComfyUI_00001_.png [output]", "x.png [temp]", "x.png[input]",
                "../../../../etc/hostname", "/etc/passwd", "C:\\Windows\\win.ini", "\\\\host\\share\\x.png", "//host/share/x.png",
                "comfyjobs/" + realJob + "-1/x.png", "example.png", "..")) + "}", null));
        return k;
    }

    private static String templateJob(String template, String params) {
        return "{\"template\": " + JSON.valueToTree(template) + ", \"params\": " + params + "}";
    }

    /** A value of some JSON type that none of the integer, enum and file-name params it is given to takes. */
    private static String pickValue(Random rnd) {
        return pick(rnd, "\"x\"", "\"\"", "true", "false", "null", "[]", "[1, 2]", "{}", "{\"a\": 1}", "1.5", "-1", "1e999",
                "99999999999999999999999", "-99999999999999999999999", "\"\\u0000\"", "\"" + "w".repeat(10_000) + "\"");
    }

    private static String manyParams(int n) {
        StringBuilder b = new StringBuilder("{\"prompt\": \"x\"");
        for (int i = 0; i < n; i++) {
            b.append(", \"p").append(i).append("\": ").append(i);
        }
        return b.append('}').toString();
    }

    private static String pickName(Random rnd) {
        return pick(rnd, "..%2F..%2Ftemplate.yaml", "%2e%2e", "txt2img%00", "TXT2IMG", enc("\u202e\u0000"), "a".repeat(5000), "%7Bx%7D",
                "txt2img%3Av", enc("t\u00e9"), "-x", enc(" "), "x%25", "*");
    }

    /** A PUT body that is not a template, in one of the ways a template can be wrong. */
    private static String brokenTemplate(Random rnd) {
        ObjectNode t = txt2img.deepCopy();
        ObjectNode prompt = (ObjectNode) t.get("params").get("prompt");
        switch (rnd.nextInt(14)) {
            case 0 -> prompt.putArray("bind").add("66.inputs.text");
            case 1 -> prompt.putArray("bind").add("6.inputs.nope");
            case 2 -> prompt.put("type", "integr");
            case 3 -> prompt.put("$ref", "http://169.254.169.254/latest/meta-data");
            case 4 -> prompt.put("pattern", "([");
            case 5 -> ((ObjectNode) t.get("workflow").get("8")).put("class_type", "NoSuchNode");
            case 6 -> ((ObjectNode) t.get("workflow").get("8").get("inputs")).putArray("samples").add("99").add(0);
            case 7 -> t.put("type", "video");
            case 8 -> ((ObjectNode) t.get("params").get("width")).put("x-comfyjobs", "height");
            case 9 -> ((ObjectNode) t.get("params")).set(pick(rnd, "1x", "a b", "\u202e", "x".repeat(200)), prompt.deepCopy());
            case 10 -> ((ObjectNode) t.get("limits")).put("maxMegapixels", pick(rnd, -1, 0));
            case 11 -> t.set("params", JSON.valueToTree(pick(rnd, 5, "x", List.of(1))));
            case 12 -> { return pick(rnd, "", "{", "[]", "null", "{\"workflow\": 5}", "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}",
                    "{\"type\": \"other\", \"type\": \"other\"}"); }
            default -> { return "{\"workflow\": {\"1\": {\"class_type\": \"" + "A".repeat(600_000) + "\", \"inputs\": {}}}}"; }
        }
        return t.toString();
    }

    private static HttpRequest.Builder put(String name, String body, String user) {
        return request("/templates/" + name).header("Content-Type", "application/json").header("X-Dev-User", user)
                .PUT(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    }

    private static HttpRequest.Builder post(String body, String key) {
        HttpRequest.Builder b = request("/jobs").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (key != null) {
            b.header("Idempotency-Key", key.replaceAll("[\\r\\n]", ""));
        }
        return b;
    }

    private static String sixteenPlusOneImages() {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < 17; i++) {
            b.append(i == 0 ? "" : ",").append("\"3.inputs.i").append(i).append("\": \"https://e/a.png\"");
        }
        return b.append("}").toString();
    }

    /** The default workflow whose sampler takes its latent from LoadImage(image) through VAEEncode. */
    private static String loadImage(String image) {
        com.fasterxml.jackson.databind.node.ObjectNode wf = Api.workflow(1);
        wf.putObject("10").put("class_type", "LoadImage").putObject("inputs").put("image", image);
        com.fasterxml.jackson.databind.node.ObjectNode encode = wf.putObject("11").put("class_type", "VAEEncode").putObject("inputs");
        encode.putArray("pixels").add("10").add(0);
        encode.putArray("vae").add("4").add(2);
        ((com.fasterxml.jackson.databind.node.ObjectNode) wf.get("3").get("inputs")).putArray("latent_image").add("11").add(0);
        return wf.toString();
    }

    private static HttpRequest.Builder webhook(String body, String signature) {
        HttpRequest.Builder b = request("/webhooks/comfyui").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        long now = System.currentTimeMillis() / 1000;
        switch (signature) {
            case "bad" -> b.header("webhook-id", "msg_x").header("webhook-timestamp", Long.toString(now))
                    .header("webhook-signature", "v1," + Base64.getEncoder().encodeToString(new byte[32]));
            case "stale" -> b.header("webhook-id", "msg_x").header("webhook-timestamp", Long.toString(now - 3600))
                    .header("webhook-signature", "v1,AAAA");
            case "future" -> b.header("webhook-id", "msg_x").header("webhook-timestamp", Long.toString(now + 3600))
                    .header("webhook-signature", "v1,AAAA");
            case "garbage" -> b.header("webhook-id", "%%%" + "x".repeat(300)).header("webhook-timestamp", "yesterday")
                    .header("webhook-signature", "v2,,, v1");
            default -> { }
        }
        return b;
    }

    private static HttpRequest.Builder request(String path) {
        return api.request(path, null);
    }

    private static String pickId(Random rnd) {
        return pick(rnd, "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "x".repeat(5000), "00000000-0000-4000-8000-000000000000",
                enc("\u202e\u0000"), "%00", realJob.toUpperCase(), realJob + "_1", enc(realJob + "/../x"), "*", "null", enc(" "));
    }

    /** Three random structural characters dropped in; if that happens to stay valid JSON, a stray one at the end. */
    private static String corrupt(String s, Random rnd) {
        char[] c = s.toCharArray();
        for (int i = 0; i < 3; i++) {
            c[rnd.nextInt(c.length)] = "{}[]\",:\\".charAt(rnd.nextInt(8));
        }
        String out = new String(c);
        try {
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(out);
            return out + "}";
        } catch (java.io.IOException e) {
            return out;
        }
    }

    @SafeVarargs
    private static <T> T pick(Random rnd, T... options) {
        return options[rnd.nextInt(options.length)];
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    private static String redisDigest() {
        return stack.redis().digest();
    }

    private static int s3Objects() {
        try (S3Client s3 = S3Client.builder().endpointOverride(stack.s3().endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("comfyjobs-local", "comfyjobs-local-secret")))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
            return s3.listObjectsV2(b -> b.bucket(LocalStack.LOCAL_BUCKET)).keyCount();
        }
    }
}
