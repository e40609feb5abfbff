package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.servers.FreePorts;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.comfyjobs.simulator.WebhookOptions;
import com.comfyjobs.testing.JobFixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Input images through the local stack over HTTP, as a caller uses them: POST /uploads, the PUT to
 * S3Proxy, an img2img template job whose LoadImage reads the image from the job's own folder on the
 * simulator (and a raw workflow naming the input its image fills); data URIs and URLs; a restart and
 * a failover that the image survives; and what reviews showed a caller could reach before: another
 * user's upload, another job's output, files outside ComfyUI's folders.
 */
class InputImagesIT {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final AtomicInteger SEEDS = new AtomicInteger(1);
    private static LocalStack stack;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        LocalStack.Options o = TestStacks.options("input-images-it");
        o.simulatorStepMillis = 40;
        o.env.put("STALE_AFTER_SECONDS", "1");
        stack = LocalStack.start(o);
        api = new Api(stack.apiUrl());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static JsonNode img2img(int steps) {
        ObjectNode wf = (ObjectNode) Api.json(JobFixtures.img2imgWorkflow("placeholder.png", SEEDS.getAndIncrement()).json());
        ((ObjectNode) wf.get("3").get("inputs")).put("steps", steps);
        return wf;
    }

    private static JsonNode image(JsonNode source) {
        ObjectNode images = (ObjectNode) Api.json("{}");
        images.set("10.inputs.image", source);
        return images;
    }

    private static JsonNode upload(String id) {
        return Api.json("{\"upload\": \"" + id + "\"}");
    }

    private static String submitted(String user, JsonNode workflow, JsonNode images) {
        Api.Response r = api.submit(user, workflow, images);
        assertEquals(202, r.status(), r.body().toString());
        return r.body().get("jobId").asText();
    }

    /** An img2img template job with {@code image} as its image param. */
    private static String img2imgJob(String user, JsonNode image, int steps) {
        ObjectNode params = Api.params().put("prompt", "the same, in oils").put("steps", steps).put("denoise", 0.5);
        params.set("image", image);
        Api.Response r = api.submit(user, Api.templateBody("img2img", params), null);
        assertEquals(202, r.status(), r.body().toString());
        return r.body().get("jobId").asText();
    }

    /** The job succeeded as an img2img template job, with the seed it ran with on the job and on its artifact. */
    private static JsonNode succeeded(String user, String job) {
        JsonNode done = api.await(user, job, Api.terminal(), LIMIT, null);
        assertEquals("succeeded", done.get("status").asText(), done.toString());
        assertEquals("img2img", done.get("template").asText());
        assertEquals(1, done.get("artifacts").size());
        assertTrue(done.get("seed").isIntegralNumber(), done.toString());
        assertEquals(done.get("seed"), done.get("artifacts").get(0).get("seed"));
        return done;
    }

    private static Path stagedFile(String job, int attempt) throws Exception {
        return stagedFile(stack.simulator(), job, attempt);
    }

    private static Path stagedFile(ComfyUiSimulator sim, String job, int attempt) throws Exception {
        try (Stream<Path> files = Files.list(sim.inputDir().resolve("comfyjobs/" + job + "-" + attempt))) {
            List<Path> all = files.toList();
            assertEquals(1, all.size(), all.toString());
            return all.get(0);
        }
    }

    @Test
    void anUploadedImageRunsThroughLoadImageFromTheJobsOwnFolder() throws Exception {
        byte[] png = JobFixtures.image("png", 64);
        Api.Response created = api.createUpload("alice");
        assertEquals(201, created.status(), created.body().toString());
        assertTrue(created.body().get("upload").asText().matches("[0-9a-f-]{36}"));
        assertTrue(created.body().has("expiresAt"));
        assertEquals(200, api.put(created.body().get("url").asText(), png));

        String job = img2imgJob("alice", upload(created.body().get("upload").asText()), 2);

        succeeded("alice", job);
        assertArrayEquals(png, Files.readAllBytes(stagedFile(job, 1)));
    }

    @Test
    void aRawWorkflowNamesTheInputItsImageFills() throws Exception {
        byte[] png = JobFixtures.image("png", 48);
        String job = submitted("alice", img2img(2), image(upload(api.uploaded("alice", png))));

        JsonNode done = api.await("alice", job, Api.terminal(), LIMIT, null);
        assertEquals("succeeded", done.get("status").asText(), done.toString());
        assertEquals(1, done.get("artifacts").size());
        assertArrayEquals(png, Files.readAllBytes(stagedFile(job, 1)));
    }

    @Test
    void anotherUsersUploadIsAnUnknownUpload() {
        String alices = api.uploaded("alice", JobFixtures.image("png", 8));
        Api.Response foreign = api.submit("mallory", img2img(1), image(upload(alices)));
        Api.Response unknown = api.submit("mallory", img2img(1), image(upload("0d7c7f44-28b6-4a6e-9a53-0a5c6f1e2b3c")));
        ObjectNode params = Api.params().put("prompt", "x");
        params.set("image", upload(alices));
        Api.Response foreignParam = api.submit("mallory", Api.templateBody("img2img", params), null);

        assertEquals(400, foreign.status(), foreign.body().toString());
        assertEquals("Input image refused", foreign.body().get("title").asText());
        assertEquals(unknown.body().get("detail"), foreign.body().get("detail"));
        assertEquals(unknown.status(), foreign.status());
        assertEquals(400, foreignParam.status(), foreignParam.body().toString());
        assertEquals("Input image refused", foreignParam.body().get("title").asText());
        assertEquals(0, api.list("mallory", null).body().get("jobs").size());
    }

    @Test
    void theAttacksReviewsFoundAreRefused() {
        for (String value : List.of("ComfyUI_00001_.png [output]", "../../../../etc/hostname", "/etc/passwd")) {
            ObjectNode wf = (ObjectNode) img2img(1);
            ((ObjectNode) wf.get("10").get("inputs")).put("image", value);
            Api.Response r = api.submit("mallory", wf, null);
            assertEquals(400, r.status(), value + ": " + r.body());
            assertEquals("File input not allowed", r.body().get("title").asText());
            assertTrue(r.body().get("detail").asText().contains("node \"10\" (\"LoadImage\") input \"image\""), r.body().toString());
        }
        assertEquals(0, api.list("mallory", null).body().get("jobs").size());
    }

    @Test
    void aDataUriAndAUrlServeAsImagesToo() throws Exception {
        byte[] jpeg = JobFixtures.image("jpeg", 32);
        byte[] png = JobFixtures.image("png", 40);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/cat.png", exchange -> {
            exchange.sendResponseHeaders(200, png.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(png);
            }
        });
        server.start();
        try {
            String fromData = img2imgJob("carol", Api.json("\"data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg) + "\""), 1);
            String fromUrl = img2imgJob("carol", Api.json("\"http://127.0.0.1:" + server.getAddress().getPort() + "/cat.png\""), 1);
            succeeded("carol", fromData);
            succeeded("carol", fromUrl);
            assertArrayEquals(jpeg, Files.readAllBytes(stagedFile(fromData, 1)));
            assertArrayEquals(png, Files.readAllBytes(stagedFile(fromUrl, 1)));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aJobResubmittedAfterAComfyUiRestartFindsItsImageUploadedAgain() throws Exception {
        byte[] png = JobFixtures.image("png", 24);
        String job = img2imgJob("dave", upload(api.uploaded("dave", png)), 100);
        api.await("dave", job, Api.status("running"), LIMIT, null);
        stack.simulator().faults().restart();

        Thread.sleep(1100);
        long deadline = System.nanoTime() + LIMIT.toNanos();
        JsonNode j = api.get("dave", job).body();
        while (!"succeeded".equals(j.path("status").asText()) && System.nanoTime() < deadline) {
            stack.runRecovery();
            Thread.sleep(200);
            j = api.get("dave", job).body();
        }

        assertEquals("succeeded", j.path("status").asText(), j.toString());
        assertEquals(2, j.get("attempt").asInt());
        succeeded("dave", job);
        assertArrayEquals(png, Files.readAllBytes(stagedFile(job, 2)));
    }

    @Test
    void aJobMovedToASecondServerAfterItsFirstWentAwayFindsItsImageThere() throws Exception {
        byte[] png = JobFixtures.image("png", 20);
        LocalStack.Options o = TestStacks.options("input-images-failover-it");
        o.port = FreePorts.any();
        String secret = "whsec_" + Base64.getEncoder().encodeToString("input-images-failover-secret-0123".getBytes(StandardCharsets.UTF_8));
        URI hook = URI.create("http://127.0.0.1:" + o.port + "/webhooks/comfyui");
        List<ComfyUiSimulator> sims = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            sims.add(ComfyUiSimulator.builder().port(0).stepMillis(40).webhook(WebhookOptions.builder().url(hook).secret(secret).build())
                    .build().start());
        }
        o.env.put("COMFYUI_URLS", sims.get(0).baseUrl() + "," + sims.get(1).baseUrl());
        o.env.put("WEBHOOK_SECRET", secret);
        o.env.put("COMFYUI_HEALTH_CACHE_MS", "0");
        o.env.put("STALE_AFTER_SECONDS", "1");
        try (LocalStack two = LocalStack.start(o)) {
            Api api2 = new Api(two.apiUrl());
            ObjectNode params = Api.params().put("prompt", "x").put("steps", 100);
            params.set("image", upload(api2.uploaded("erin", png)));
            String job = api2.submit("erin", Api.templateBody("img2img", params), null).body().get("jobId").asText();
            api2.await("erin", job, Api.status("running"), LIMIT, null);
            ComfyUiSimulator first = sims.stream().filter(s -> s.submittedPrompts().contains(job + "_1")).findFirst().orElseThrow();
            ComfyUiSimulator second = sims.get(sims.indexOf(first) == 0 ? 1 : 0);
            // the box goes away: what it was running dies with it, and it answers nothing
            first.faults().restart();
            first.faults().stopListening();

            long deadline = System.nanoTime() + LIMIT.toNanos();
            JsonNode j = api2.get("erin", job).body();
            while (!"succeeded".equals(j.path("status").asText()) && System.nanoTime() < deadline) {
                Thread.sleep(200);
                two.runRecovery();
                j = api2.get("erin", job).body();
            }

            assertEquals("succeeded", j.path("status").asText(), j.toString());
            assertEquals(2, j.get("attempt").asInt());
            assertTrue(j.get("seed").isIntegralNumber());
            assertEquals(j.get("seed"), j.get("artifacts").get(0).get("seed"));
            assertArrayEquals(png, Files.readAllBytes(stagedFile(second, job, 2)), "uploaded again to the server the job moved to");
        } finally {
            sims.forEach(ComfyUiSimulator::close);
        }
    }
}
