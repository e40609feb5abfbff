package com.comfyjobs.inputs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.job.Caller;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobInput;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.comfyjobs.simulator.engine.PromptFate;
import com.comfyjobs.submit.Dispatcher;
import com.comfyjobs.submit.InputStaging;
import com.comfyjobs.submit.RawWorkflows;
import com.comfyjobs.submit.SubmissionRefusedException;
import com.comfyjobs.submit.SubmitRequest;
import com.comfyjobs.submit.SubmitResult;
import com.comfyjobs.submit.SubmitService;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ServiceHarness;
import com.comfyjobs.testing.TcpProxy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Input images end to end on the services: the caller's upload, a data URI and a URL become the
 * job's own copy in the bucket, are staged into the attempt's folder on the server the job goes to,
 * and LoadImage reads them there; every attempt stages again. Refusals leave nothing behind.
 */
class InputImagesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong SEEDS = new AtomicLong(1);
    private static final String TARGET = "10.inputs.image";
    private final HttpClient http = HttpClient.newHttpClient();
    private ServiceHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private static Workflow img2img(String image) {
        return JobFixtures.img2imgWorkflow(image, SEEDS.getAndIncrement());
    }

    /** Image to image with as many steps as ComfyUI allows: it runs until stopped. */
    private static Workflow slowImg2img() throws IOException {
        ObjectNode graph = (ObjectNode) JSON.readTree(img2img("placeholder.png").json());
        ((ObjectNode) graph.get("3").get("inputs")).put("steps", 10_000);
        return Workflow.parse(graph.toString());
    }

    private SubmitRequest request(Workflow workflow, Map<String, JsonNode> images) {
        ObjectNode body = JSON.createObjectNode();
        try {
            body.set("workflow", JSON.readTree(workflow.json()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ObjectNode map = body.putObject("images");
        images.forEach(map::set);
        return SubmitRequest.parse(body.toString().getBytes(StandardCharsets.UTF_8), h.settings.maxRequestBytes());
    }

    private Job submit(String user, Workflow workflow, Map<String, JsonNode> images) {
        SubmitResult r = h.submit.submit(Caller.user(user), request(workflow, images), null);
        return h.stored(r.job().id());
    }

    private SubmissionRefusedException refused(String user, Workflow workflow, Map<String, JsonNode> images) {
        return assertThrows(SubmissionRefusedException.class, () -> h.submit.submit(Caller.user(user), request(workflow, images), null));
    }

    private static JsonNode upload(String id) {
        return JSON.createObjectNode().put("upload", id);
    }

    private static JsonNode text(String s) {
        return JSON.getNodeFactory().textNode(s);
    }

    /** POST /uploads and the caller's PUT to the presigned URL. */
    private String uploaded(String user, byte[] bytes) throws Exception {
        NewUpload u = h.uploads.create(Caller.user(user));
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(u.url())).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, put.statusCode(), put.body());
        return u.upload();
    }

    /** The graph ComfyUI was sent for the job's current attempt, from its history. */
    private JsonNode sentGraph(ComfyUiSimulator sim, Job job) throws Exception {
        h.awaitEnded(job);
        String body = http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/history/" + job.promptId())).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return JSON.readTree(body).get(job.promptId()).get("prompt").get(2);
    }

    private List<String> inputObjects() {
        return h.s3Keys().stream().filter(k -> k.startsWith("inputs/")).toList();
    }

    @Test
    void anUploadIsCopiedForTheJobStagedInItsFolderAndReadByLoadImage() throws Exception {
        h = ServiceHarness.start();
        byte[] png = JobFixtures.image("png", 64);
        String id = uploaded("alice", png);

        Job job = submit("alice", img2img("placeholder.png"), Map.of(TARGET, upload(id)));

        assertEquals(List.of(new JobInput(TARGET, "inputs/" + job.id() + "/10.inputs.image", "image/png", List.of(TARGET))), job.inputs());
        assertArrayEquals(png, h.s3Object("inputs/" + job.id() + "/10.inputs.image"));
        assertEquals(List.of(PromptFate.COMPLETED), h.awaitEnded(job));
        String staged = sentGraph(h.sim, job).get("10").get("inputs").get("image").asText();
        assertTrue(staged.matches("comfyjobs/" + job.id() + "-1/10\\.inputs\\.image-[0-9a-f]{8}\\.png"), staged);
        assertArrayEquals(png, Files.readAllBytes(h.sim.inputDir().resolve(staged)), "LoadImage read the caller's image from the job's folder");
    }

    @Test
    void anotherUsersUploadIsRefusedExactlyLikeAnUnknownOrExpiredOne() throws Exception {
        h = ServiceHarness.start();
        String alices = uploaded("alice", JobFixtures.image("png", 8));
        Workflow wf = img2img("placeholder.png");

        String foreign = refused("mallory", wf, Map.of(TARGET, upload(alices))).getMessage();
        String unknown = refused("mallory", wf, Map.of(TARGET, upload("0d7c7f44-28b6-4a6e-9a53-0a5c6f1e2b3c"))).getMessage();
        String malformed = refused("mallory", wf, Map.of(TARGET, upload("../alice/" + alices))).getMessage();
        h.clock.advance(Duration.ofHours(24).plusMinutes(1));
        String expired = refused("alice", wf, Map.of(TARGET, upload(alices))).getMessage();

        assertEquals("image \"10.inputs.image\": unknown upload (an id POST /uploads gave you, its image PUT within UPLOAD_TTL_HOURS)", foreign);
        assertEquals(List.of(foreign, foreign, foreign), List.of(unknown, malformed, expired));
        assertEquals(SubmissionRefusedException.Reason.IMAGE_REFUSED, refused("mallory", wf, Map.of(TARGET, upload(alices))).reason());
        assertEquals(0, h.store.countByUserId("mallory") + h.store.countByUserId("alice"));
        assertEquals(List.of(), inputObjects());
    }

    @Test
    void aDataUriImageAndAUrlImageRunLikeAnUpload() throws Exception {
        h = ServiceHarness.start();
        byte[] jpeg = JobFixtures.image("jpeg", 32);
        Job fromData = submit("u", img2img("placeholder.png"), Map.of(TARGET,
                text("data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg))));
        HttpServer server = serving("/cat.png", JobFixtures.image("png", 48), "image/png");
        try {
            Job fromUrl = submit("u", img2img("placeholder.png"), Map.of(TARGET,
                    text("http://127.0.0.1:" + server.getAddress().getPort() + "/cat.png")));
            assertEquals(List.of(PromptFate.COMPLETED), h.awaitEnded(fromData));
            assertEquals(List.of(PromptFate.COMPLETED), h.awaitEnded(fromUrl));
            assertEquals("image/jpeg", fromData.inputs().get(0).contentType());
            assertEquals("image/png", fromUrl.inputs().get(0).contentType());
            assertTrue(sentGraph(h.sim, fromData).get("10").get("inputs").get("image").asText().endsWith(".jpg"));
            assertArrayEquals(jpeg, h.s3Object(fromData.inputs().get(0).objectKey()));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void whatIsNotAnImageIsRefusedWhateverItsSourceAndNothingIsStored() throws Exception {
        h = ServiceHarness.start(Map.of("INPUT_IMAGE_MAX_BYTES", "4096"));
        byte[] text = "root:x:0:0:root:/root:/bin/bash\n".getBytes(StandardCharsets.UTF_8);
        HttpServer server = serving("/page.html", "<html>not an image</html>".getBytes(StandardCharsets.UTF_8), "image/png");
        try {
            Workflow wf = img2img("placeholder.png");
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            assertEquals("image \"10.inputs.image\": it is not a PNG, JPEG or WebP image",
                    refused("u", wf, Map.of(TARGET, upload(uploaded("u", text)))).getMessage());
            assertEquals("image \"10.inputs.image\": it is not a PNG, JPEG or WebP image",
                    refused("u", wf, Map.of(TARGET, text("data:image/png;base64," + Base64.getEncoder().encodeToString(text)))).getMessage());
            assertEquals("image \"10.inputs.image\": it is not a PNG, JPEG or WebP image", refused("u", wf, Map.of(TARGET, text(url + "/page.html"))).getMessage(),
                    "the server's Content-Type is not believed");
            assertEquals("image \"10.inputs.image\": the URL answered HTTP 404", refused("u", wf, Map.of(TARGET, text(url + "/none.png"))).getMessage());
            assertEquals("image \"10.inputs.image\": the upload is larger than 4096 bytes",
                    refused("u", wf, Map.of(TARGET, upload(uploaded("u", new byte[5000])))).getMessage());
            assertEquals("image \"10.inputs.image\": an image is {\"upload\": \"<id>\"}, a data:image/...;base64, URI or an https URL",
                    refused("u", wf, Map.of(TARGET, text("/etc/passwd"))).getMessage());
            assertEquals(SubmissionRefusedException.Reason.IMAGE_REFUSED, refused("u", wf, Map.of(TARGET, JSON.createObjectNode().put("upload", 5))).reason());
            assertEquals(0, h.store.countByUserId("u"));
            assertEquals(List.of(), inputObjects());
            assertEquals(List.of(), h.sim.submittedPrompts());
        } finally {
            server.stop(0);
        }
    }

    /**
     * What reviews found on the local stack, refused before anything is stored or sent: another
     * job's output by annotation, a path out of ComfyUI's input folder, an absolute path, and even a
     * plain name (a file on the server that is not this job's, whose existence a 422 would tell).
     */
    @Test
    void workflowsThatNameFilesTheyMayNotReadAreRefusedBeforeAnythingHappens() {
        h = ServiceHarness.start();
        for (String value : List.of("ComfyUI_00001_.png [output]", "../../../../etc/hostname", "/etc/passwd", "ComfyUI_00001_.png")) {
            SubmissionRefusedException e = refused("u", img2img(value), Map.of());
            assertEquals(SubmissionRefusedException.Reason.FILE_INPUT_NOT_ALLOWED, e.reason(), value);
            assertTrue(e.getMessage().contains("node \"10\" (\"LoadImage\") input \"image\""), e.getMessage());
        }
        assertEquals(0, h.store.countByUserId("u"));
        assertEquals(List.of(), h.sim.submittedPrompts());
    }

    @Test
    void aJobResubmittedAfterARestartStagesItsImageAgainInTheNewAttemptsFolder() throws Exception {
        h = ServiceHarness.start();
        byte[] png = JobFixtures.image("png", 16);
        Job job = submit("u", slowImg2img(), Map.of(TARGET, upload(uploaded("u", png))));
        h.awaitRunning(job);
        h.sim.faults().restart();
        h.awaitEnded(job);

        h.recoverStale();

        Job again = h.stored(job.id());
        assertEquals(2, again.attempt());
        assertTrue(again.isSubmitted());
        Path staged = h.sim.inputDir().resolve("comfyjobs/" + job.id() + "-2");
        assertEquals(1, Files.list(staged).count());
        assertArrayEquals(png, Files.readAllBytes(Files.list(staged).findFirst().orElseThrow()));
    }

    @Test
    void aJobMovedToAnotherServerFindsItsImageThere() throws Exception {
        h = ServiceHarness.start(2, Map.of());
        byte[] png = JobFixtures.image("png", 16);
        Job job = submit("u", slowImg2img(), Map.of(TARGET, text("data:image/png;base64," + Base64.getEncoder().encodeToString(png))));
        h.awaitRunning(job);
        ComfyUiSimulator gone = h.simOf(job);
        ComfyUiSimulator other = h.sims.get(gone == h.sims.get(0) ? 1 : 0);
        gone.faults().restart();
        gone.faults().stopListening();

        h.recoverStale();

        Job moved = h.stored(job.id());
        assertEquals(other.baseUrl(), moved.comfyServer());
        assertEquals(List.of(moved.promptId()), other.submittedPrompts());
        h.awaitRunning(moved);
        Path staged = other.inputDir().resolve("comfyjobs/" + job.id() + "-2");
        assertArrayEquals(png, Files.readAllBytes(Files.list(staged).findFirst().orElseThrow()));
    }

    @Test
    void aJobWhoseImageIsGoneFromTheBucketFailsWithInputMissing() throws Exception {
        h = ServiceHarness.start();
        h.sim.faults().stopListening();
        Job job = submit("u", img2img("placeholder.png"), Map.of(TARGET, upload(uploaded("u", JobFixtures.image("png", 8)))));
        assertFalse(job.isSubmitted());
        h.artifacts.client().deleteObject(b -> b.bucket(h.artifacts.bucket()).key(job.inputs().get(0).objectKey()));
        h.sim.faults().startListening();

        h.recoverStale();

        Job failed = h.stored(job.id());
        assertEquals(JobStatus.FAILED, failed.status());
        assertEquals("input_missing", failed.error().type());
        assertEquals(List.of(), h.sim.submittedPrompts());
    }

    /** ComfyUI that does not answer the image upload is ComfyUI that does not answer: the job waits, and recovery sends it. */
    @Test
    void aLostUploadAnswerLeavesTheJobQueuedForRecoveryWhichStagesItAgain() throws Exception {
        h = ServiceHarness.start();
        try (TcpProxy proxy = new TcpProxy(h.sim.baseUri())) {
            ComfyUiPool viaProxy = new ComfyUiPool(ComfyUiSettings.of(List.of(proxy.endpoint())).withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(5))
                    .withHealth(Duration.ofSeconds(1), Duration.ZERO), h.clock);
            Dispatcher dispatcher = new Dispatcher(h.store, viaProxy, new InputStaging(viaProxy, h.artifacts), h.settings, h.clock, JobObserver.NONE);
            SubmitService submit = new SubmitService(h.store, viaProxy, dispatcher, h.templates, h.images, RawWorkflows.ALL, h.urls, h.settings, h.clock, JobObserver.NONE);
            proxy.loseReplyToNext("POST /upload/image".getBytes(StandardCharsets.US_ASCII));

            Job job = h.stored(submit.submit(Caller.user("u"), request(img2img("placeholder.png"),
                    Map.of(TARGET, upload(uploaded("u", JobFixtures.image("png", 8))))), null).job().id());

            assertEquals(1, proxy.repliesLost());
            assertEquals(JobStatus.QUEUED, job.status());
            assertFalse(job.isSubmitted());
            assertNull(job.leaseOwner(), "no prompt can have been sent: the lease is given back at once");
            assertEquals(List.of(), h.sim.submittedPrompts());

            h.recoverStale();

            assertTrue(h.stored(job.id()).isSubmitted());
            ServiceHarness.await("the prompt to end", () -> !h.sim.fates(job.promptId()).isEmpty());
            assertEquals(List.of(PromptFate.COMPLETED), h.sim.fates(job.promptId()));
        }
    }

    /** A job stored with a graph the rule refuses (before the rule, or by a template's mistake) is checked again where it is sent. */
    @Test
    void aStoredJobWhoseGraphNamesAFileItMayNotReadFailsAtDispatch() {
        h = ServiceHarness.start();
        Job job = JobFixtures.queued("u", h.clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        h.store.create(new NewJob(job, img2img("ComfyUI_00001_.png [output]"), JobFixtures.DEFAULT_CAP, null));

        h.dispatcher.resume(job);

        Job failed = h.stored(job.id());
        assertEquals(JobStatus.FAILED, failed.status());
        assertEquals("input_not_allowed", failed.error().type());
        assertTrue(failed.error().message().contains("node \"10\" (\"LoadImage\") input \"image\""), failed.error().message());
        assertEquals(List.of(), h.sim.submittedPrompts());
    }

    private static HttpServer serving(String path, byte[] body, String contentType) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            try (OutputStream out = exchange.getResponseBody()) {
                if (exchange.getRequestURI().getPath().equals(path)) {
                    exchange.getResponseHeaders().add("Content-Type", contentType);
                    exchange.sendResponseHeaders(200, body.length);
                    out.write(body);
                } else {
                    exchange.sendResponseHeaders(404, -1);
                }
            }
        });
        server.start();
        return server;
    }
}
