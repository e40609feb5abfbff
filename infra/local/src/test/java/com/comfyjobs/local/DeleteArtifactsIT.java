package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.redis.RedisKeys;
import com.comfyjobs.job.redis.RedisSettings;
import com.fasterxml.jackson.databind.JsonNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * DELETE /jobs/{id}/artifacts over HTTP: the owner of an ended job has its outputs and input images
 * deleted from the bucket (204, again 204), and GET then says so; another user's job answers exactly
 * like an unknown one, and a job still running answers 409.
 */
class DeleteArtifactsIT {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static LocalStack stack;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        LocalStack.Options o = TestStacks.options("delete-artifacts-it");
        o.simulatorStepMillis = 5;
        stack = LocalStack.start(o);
        api = new Api(stack.apiUrl());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static String succeeded(String user, int seed) {
        String job = api.submit(user, Api.submitBody(seed), null).body().get("jobId").asText();
        JsonNode done = api.await(user, job, Api.terminal(), LIMIT, null);
        assertEquals("succeeded", done.get("status").asText(), done.toString());
        return job;
    }

    private static void put(String key) {
        try (S3Client s3 = TestStacks.bucket(stack)) {
            s3.putObject(b -> b.bucket(LocalStack.LOCAL_BUCKET).key(key), RequestBody.fromString("image bytes"));
        }
    }

    /** The input images a job took, in its stored record as submission keeps them, their bytes in the bucket. */
    private static void tookInputs(String job, String... keys) {
        StringBuilder inputs = new StringBuilder("[");
        for (int i = 0; i < keys.length; i++) {
            put(keys[i]);
            inputs.append(i == 0 ? "" : ",").append("{\"param\":\"image").append(i).append("\",\"key\":\"").append(keys[i])
                    .append("\",\"contentType\":\"image/png\",\"binds\":[\"10.inputs.image\"]}");
        }
        RedisSettings settings = RedisSettings.fromEnv(stack.env());
        RedisClient client = RedisClient.create(stack.redis().uri().toString());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().hset(new RedisKeys(settings.keyPrefix(), settings.shardsOfAFreshRedis()).job(job), "inputs", inputs.append("]").toString());
        } finally {
            client.shutdown();
        }
    }

    @Test
    void theOwnerHasTheJobsOutputsAndInputImagesDeletedAndGetSaysSo() {
        String job = succeeded("alice", 1);
        String upload = "uploads/alice/" + UUID.randomUUID();
        String copy = "inputs/" + job + "/image1.png";
        tookInputs(job, upload, copy);
        String output = api.get("alice", job).body().get("artifacts").get(0).get("key").asText();
        String othersUpload = "uploads/alice/" + UUID.randomUUID();
        put(othersUpload);
        assertEquals(List.of(output), TestStacks.keysUnder(stack, "artifacts/alice/" + job + "/"));

        Api.Response r = api.deleteArtifacts("alice", job);

        assertEquals(204, r.status(), r.raw().body());
        assertEquals(List.of(), TestStacks.keysUnder(stack, "artifacts/alice/" + job + "/"));
        assertEquals(List.of(), TestStacks.keysUnder(stack, copy));
        assertEquals(List.of(), TestStacks.keysUnder(stack, upload));
        assertEquals(List.of(othersUpload), TestStacks.keysUnder(stack, othersUpload), "an upload the job did not use stays");
        JsonNode after = api.get("alice", job).body();
        assertTrue(after.get("artifactsDeleted").asBoolean(), after.toString());
        assertEquals(0, after.get("artifacts").size());
        assertEquals("succeeded", after.get("status").asText());
        assertFalse(after.toString().contains("X-Amz-Signature"), "no URL of any kind");

        Api.Response again = api.deleteArtifacts("alice", job);
        assertEquals(204, again.status(), again.raw().body());
        assertEquals(after, api.get("alice", job).body());
    }

    @Test
    void anotherUsersJobAnswersExactlyLikeAnUnknownOne() {
        String job = succeeded("bob", 2);
        String output = api.get("bob", job).body().get("artifacts").get(0).get("key").asText();

        Api.Response foreign = api.deleteArtifacts("mallory", job);
        Api.Response unknown = api.deleteArtifacts("mallory", UUID.randomUUID().toString());
        Api.Response read = api.get("mallory", job);

        assertEquals(404, foreign.status());
        assertEquals(unknown.status(), foreign.status());
        assertEquals(unknown.raw().body(), foreign.raw().body());
        assertEquals(read.raw().body(), foreign.raw().body(), "the same body as GET's 404");
        assertEquals("application/problem+json", foreign.header("Content-Type"));
        assertEquals(List.of(output), TestStacks.keysUnder(stack, output));
        assertFalse(api.get("bob", job).body().get("artifactsDeleted").asBoolean());
    }

    @Test
    void aJobStillRunningKeepsItsFilesAndAnswers409() {
        stack.simulator().faults().holdQueue(true);
        try {
            String job = api.submit("carol", Api.submitBody(3), null).body().get("jobId").asText();
            String upload = "uploads/carol/" + UUID.randomUUID();
            tookInputs(job, upload);

            Api.Response r = api.deleteArtifacts("carol", job);

            assertEquals(409, r.status(), r.raw().body());
            assertEquals("application/problem+json", r.header("Content-Type"));
            assertTrue(r.body().get("detail").asText().contains("queued"), r.body().toString());
            assertEquals(List.of(upload), TestStacks.keysUnder(stack, upload));
            assertFalse(api.get("carol", job).body().get("artifactsDeleted").asBoolean());
            api.cancel("carol", job);
        } finally {
            stack.simulator().faults().holdQueue(false);
        }
    }
}
