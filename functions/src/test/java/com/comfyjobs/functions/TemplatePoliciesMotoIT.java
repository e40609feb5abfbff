package com.comfyjobs.functions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.artifacts.ArtifactCopyException;
import com.comfyjobs.artifacts.ArtifactSettings;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.testing.MotoServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The S3 statements of template.yaml, enforced by moto_server's IAM (where moto is installed): each
 * function's own calls go through under its policy (copying outputs in one PUT and in parts, the size
 * check before a copy, reading input images), and what its policy leaves out is refused. moto checks
 * actions and resources as IAM does, so this catches a statement that names the wrong action or
 * prefix; it does not reproduce S3 answering 403 for a missing key without s3:ListBucket, which the
 * size check is written for and which a function without read access to the key shows here. Listing
 * is left to {@link TemplatePoliciesTest} (ListBucket only under an s3:prefix condition): moto answers
 * SignatureDoesNotMatch to any signed ListObjectsV2 with a prefix once it enforces IAM, and ignores
 * the condition without one, so a "refused" listing here would prove nothing.
 */
class TemplatePoliciesMotoIT {
    private static final String BUCKET = "comfyjobs-policies";
    private static final int MB = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern ACCESS_KEY = Pattern.compile("<AccessKeyId>(.+?)</AccessKeyId>");
    private static final Pattern SECRET_KEY = Pattern.compile("<SecretAccessKey>(.+?)</SecretAccessKey>");
    private static final byte[] INPUT = "an input image".getBytes(StandardCharsets.UTF_8);

    private static MotoServer moto;
    private static final Map<String, ArtifactStore> AS = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(MotoServer.isInstalled(), "moto_server is not on PATH");
        moto = MotoServer.start();
        JsonNode template = TemplatePoliciesTest.readTemplate();
        try (ArtifactStore admin = store(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))) {
            admin.client().createBucket(b -> b.bucket(BUCKET));
            for (String key : List.of("uploads/u/up-1/cat.png", "inputs/j/1/dog.png", "other/secret.txt", "artifacts/u/j/1/9/existing.png",
                    "artifacts/u/j/1/9/gone.png", "inputs/j/9/image", "uploads/u/up-9/cat.png")) {
                admin.client().putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(INPUT));
            }
        }
        for (String function : TemplatePoliciesTest.ALLOWED.keySet()) {
            AS.put(function, store(userWithPolicyOf(template, function)));
        }
        HttpResponse<String> enforced = HTTP.send(HttpRequest.newBuilder(URI.create(moto.endpoint() + "/moto-api/reset-auth"))
                .POST(HttpRequest.BodyPublishers.ofString("0")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, enforced.statusCode(), enforced.body());
    }

    @AfterAll
    static void stop() {
        AS.values().forEach(ArtifactStore::close);
        if (moto != null) {
            moto.close();
        }
    }

    private static ArtifactStore store(StaticCredentialsProvider keys) {
        return ArtifactStore.create(ArtifactSettings.of(BUCKET, moto.endpoint()).withPartSize(5 * MB), keys);
    }

    /** An IAM user holding the function's inline statements, the bucket's ARN put in, and its access key. */
    private static StaticCredentialsProvider userWithPolicyOf(JsonNode template, String function) throws Exception {
        ObjectNode policy = JSON.createObjectNode().put("Version", "2012-10-17");
        ArrayNode statements = policy.putArray("Statement");
        for (JsonNode s : TemplatePoliciesTest.inlineStatements(template, function)) {
            // !Sub '${ArtifactBucket.Arn}/...' and !GetAtt ArtifactBucket.Arn read as plain strings; so does the
            // WebSocket API's connections ARN, given a partition, region, account, API and stage here
            statements.add(JSON.readTree(s.toString().replace("${ArtifactBucket.Arn}", "arn:aws:s3:::" + BUCKET)
                    .replace("\"ArtifactBucket.Arn\"", "\"arn:aws:s3:::" + BUCKET + "\"")
                    .replace("${AWS::Partition}", "aws").replace("${AWS::Region}", "us-east-1").replace("${AWS::AccountId}", "123456789012")
                    .replace("${WebSocketApi}", "wsapi12345").replace("${WebSocketStage}", "live")));
        }
        if (statements.isEmpty()) {
            statements.addObject().put("Effect", "Allow").put("Action", "sts:GetCallerIdentity").put("Resource", "*");
        }
        iam("Action=CreateUser&UserName=" + function);
        iam("Action=PutUserPolicy&UserName=" + function + "&PolicyName=template&PolicyDocument="
                + URLEncoder.encode(policy.toString(), StandardCharsets.UTF_8));
        String keys = iam("Action=CreateAccessKey&UserName=" + function);
        Matcher id = ACCESS_KEY.matcher(keys);
        Matcher secret = SECRET_KEY.matcher(keys);
        assertTrue(id.find() && secret.find(), keys);
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(id.group(1), secret.group(1)));
    }

    /** IAM's query API, before enforcement is switched on (moto then checks no signature). */
    private static String iam(String form) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(moto.endpoint())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0")
                .POST(HttpRequest.BodyPublishers.ofString(form + "&Version=2010-05-08")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    private static byte[] random(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return b;
    }

    private static byte[] read(ArtifactStore s, String key) {
        return s.client().getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
    }

    /** Refused by the policy: AccessDenied, not any other 403 (a signature moto computes otherwise would pass for one). */
    private static void refused(Runnable call) {
        S3Exception e = assertThrows(S3Exception.class, call::run);
        assertEquals(403, e.statusCode(), e.getMessage());
        assertEquals("AccessDenied", e.awsErrorDetails().errorCode(), e.getMessage());
    }

    @Test
    void theWebhookAndRecoveryFunctionsCopyOutputsAndRecoveryReadsInputCopiesToStageThem() throws Exception {
        for (String function : List.of("ComfyWebhookFunction", "RecoveryFunction")) {
            ArtifactStore s = AS.get(function);
            String dir = "artifacts/u/" + function + "/1/9/";
            byte[] small = random(70_000);
            assertEquals(-1, s.sizeOf(dir + "small.png"));
            s.copy(new ByteArrayInputStream(small), small.length, "image/png", dir + "small.png", "small.png");
            assertEquals(small.length, s.sizeOf(dir + "small.png"));
            byte[] large = random(5 * MB + 1000);
            assertEquals(large.length, s.copy(new ByteArrayInputStream(large), -1, "image/png", dir + "large.png", "large.png").size());
            assertArrayEquals(large, read(s, dir + "large.png"));

            refused(() -> read(s, "uploads/u/up-1/cat.png"));
            refused(() -> read(s, "other/secret.txt"));
            refused(() -> s.client().putObject(b -> b.bucket(BUCKET).key("inputs/j/1/dog.png"), RequestBody.fromBytes(small)));
            refused(() -> s.client().deleteObject(b -> b.bucket(BUCKET).key(dir + "small.png")));
        }
        assertArrayEquals(INPUT, read(AS.get("RecoveryFunction"), "inputs/j/1/dog.png"));
        refused(() -> read(AS.get("ComfyWebhookFunction"), "inputs/j/1/dog.png"));
    }

    @Test
    void theQueryFunctionsMayOnlyReadArtifacts() {
        for (String function : List.of("GetJobFunction", "ListJobsFunction")) {
            ArtifactStore s = AS.get(function);
            assertArrayEquals(INPUT, read(s, "artifacts/u/j/1/9/existing.png"), "what a presigned download URL asks for");
            refused(() -> read(s, "uploads/u/up-1/cat.png"));
            refused(() -> s.client().putObject(b -> b.bucket(BUCKET).key("artifacts/u/j/1/9/new.png"), RequestBody.fromBytes(INPUT)));
        }
    }

    @Test
    void submitTakesUploadsIntoInputCopiesAndCancelTouchesNothing() {
        ArtifactStore submit = AS.get("SubmitJobFunction");
        assertArrayEquals(INPUT, read(submit, "uploads/u/up-1/cat.png"));
        submit.client().copyObject(b -> b.sourceBucket(BUCKET).sourceKey("uploads/u/up-1/cat.png")
                .destinationBucket(BUCKET).destinationKey("inputs/j2/image"));
        assertArrayEquals(INPUT, read(submit, "inputs/j2/image"));
        refused(() -> submit.client().putObject(b -> b.bucket(BUCKET).key("uploads/u/up-1/cat.png"), RequestBody.fromBytes(INPUT)));
        refused(() -> read(submit, "artifacts/u/j/1/9/existing.png"));
        assertEquals(-1, submit.sizeOf("artifacts/u/j/1/9/existing.png"), "a 403 on the size check reads as nothing known there");
        assertThrows(ArtifactCopyException.class, () -> submit.copy(new ByteArrayInputStream(INPUT), INPUT.length, "image/png",
                "artifacts/u/j/1/9/existing.png", "existing.png"), "and the copy that follows fails on its own");
        refused(() -> read(AS.get("CancelJobFunction"), "uploads/u/up-1/cat.png"));
    }

    @Test
    void createUploadMayOnlyPutUploadsWhichIsWhatItsPresignedUrlsCarry() {
        ArtifactStore s = AS.get("CreateUploadFunction");
        s.client().putObject(b -> b.bucket(BUCKET).key("uploads/u/up-2/x.png"), RequestBody.fromBytes(INPUT));
        refused(() -> read(s, "uploads/u/up-1/cat.png"));
        refused(() -> s.client().putObject(b -> b.bucket(BUCKET).key("inputs/j/1/dog.png"), RequestBody.fromBytes(INPUT)));
        refused(() -> s.client().putObject(b -> b.bucket(BUCKET).key("artifacts/u/j/1/9/new.png"), RequestBody.fromBytes(INPUT)));
    }

    @Test
    void deleteArtifactsDeletesAJobsFilesAndReadsNothing() {
        ArtifactStore s = AS.get("DeleteArtifactsFunction");
        Map<String, String> readableBy = Map.of("artifacts/u/j/1/9/gone.png", "GetJobFunction", "inputs/j/9/image", "RecoveryFunction",
                "uploads/u/up-9/cat.png", "SubmitJobFunction");
        readableBy.forEach((key, reader) -> {
            assertArrayEquals(INPUT, read(AS.get(reader), key));
            s.client().deleteObject(b -> b.bucket(BUCKET).key(key));
            assertEquals(404, assertThrows(S3Exception.class, () -> read(AS.get(reader), key)).statusCode(), key + " is gone");
        });
        refused(() -> read(s, "artifacts/u/j/1/9/existing.png"));
        refused(() -> s.client().deleteObject(b -> b.bucket(BUCKET).key("other/secret.txt")));
    }
}
