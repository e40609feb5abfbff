package com.comfyjobs.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.testing.MotoServer;
import com.comfyjobs.testing.ServiceHarness.MovableClock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Secrets read through the AWS SDK from moto_server's Secrets Manager, where moto is installed (it is
 * on CI, not on a fresh machine): created, rotated with PutSecretValue and deleted the way an operator
 * does it, and seen through the TTL cache the functions use.
 */
class SecretsManagerMotoIT {
    private static final StaticCredentialsProvider KEYS = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    private static MotoServer moto;
    private static SecretsManagerClient admin;

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(MotoServer.isInstalled(), "moto_server is not on PATH");
        moto = MotoServer.start();
        admin = SecretsManagerClient.builder().endpointOverride(moto.endpoint()).region(Region.US_EAST_1).credentialsProvider(KEYS)
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    @AfterAll
    static void stop() {
        if (moto != null) {
            admin.close();
            moto.close();
        }
    }

    @Test
    void aRotationIsSeenAfterTheTtlAndADeletionKeepsTheLastValue() {
        String arn = admin.createSecret(r -> r.name("comfyjobs/webhook-" + System.nanoTime()).secretString("whsec_first")).arn();
        MovableClock clock = new MovableClock();
        try (SecretsManagerReader reader = SecretsManagerReader.create(moto.endpoint(), "us-east-1", KEYS)) {
            Secret secret = new Secret("WEBHOOK_SECRET_ARN", arn, reader, Duration.ofSeconds(300), clock);
            assertEquals("whsec_first", secret.get());

            admin.putSecretValue(r -> r.secretId(arn).secretString("whsec_second"));
            assertEquals("whsec_first", secret.get(), "within the TTL");
            clock.advance(Duration.ofSeconds(300));
            assertEquals("whsec_second", secret.get());

            admin.deleteSecret(r -> r.secretId(arn).forceDeleteWithoutRecovery(true));
            clock.advance(Duration.ofSeconds(300));
            assertEquals("whsec_second", secret.get(), "a secret that can no longer be read leaves the last value in use");

            Secret fresh = new Secret("WEBHOOK_SECRET_ARN", arn, reader, Duration.ofSeconds(300), clock);
            SecretUnavailableException gone = assertThrows(SecretUnavailableException.class, fresh::get);
            assertTrue(gone.getMessage().startsWith("WEBHOOK_SECRET_ARN: "), gone.getMessage());
        }
    }

    @Test
    void aJsonSecretIsHandedOverAsItsText() {
        String json = "{\"url\":\"rediss://default:p%40ss@cache.example:6379\",\"note\":\"upstash\"}";
        String name = "comfyjobs/redis-" + System.nanoTime();
        admin.createSecret(r -> r.name(name).secretString(json));
        try (SecretsManagerReader reader = SecretsManagerReader.create(moto.endpoint(), "us-east-1", KEYS)) {
            assertEquals(json, reader.read(name, "REDIS_URL_SECRET_ARN"));
        }
    }
}
