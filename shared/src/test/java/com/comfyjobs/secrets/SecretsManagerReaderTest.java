package com.comfyjobs.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.servers.FreePorts;
import com.comfyjobs.testing.FakeSecretsManager;
import java.net.URI;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GetSecretValue through the AWS SDK's client, and how each way it fails is told, naming the variable and never the value. */
class SecretsManagerReaderTest {
    private FakeSecretsManager sm;
    private SecretsManagerReader reader;

    @BeforeEach
    void start() {
        sm = FakeSecretsManager.start();
        reader = sm.reader();
    }

    @AfterEach
    void stop() {
        reader.close();
        sm.close();
    }

    @Test
    void readsTheSecretStringWithASignedCall() {
        sm.put("comfyjobs/webhook", "whsec_c2VjcmV0LXZhbHVlLTAxMjM0NTY3ODk=");
        assertEquals("whsec_c2VjcmV0LXZhbHVlLTAxMjM0NTY3ODk=", reader.read("comfyjobs/webhook", "WEBHOOK_SECRET_ARN"));
        String auth = sm.authorizations().get(0);
        assertTrue(auth.contains("/" + FakeSecretsManager.REGION + "/secretsmanager/aws4_request"), auth);
        assertTrue(auth.contains("x-amz-target") && auth.contains("Signature="), auth);
    }

    @Test
    void everyFailureNamesTheVariableAndSaysWhy() {
        assertFails("WEBHOOK_SECRET_ARN: the secret it names does not exist", () -> reader.read("comfyjobs/none", "WEBHOOK_SECRET_ARN"));

        sm.putBinary("comfyjobs/binary");
        assertFails("WEBHOOK_SECRET_ARN: the secret it names has no SecretString", () -> reader.read("comfyjobs/binary", "WEBHOOK_SECRET_ARN"));

        sm.put("comfyjobs/forbidden", "hunter2-value");
        sm.forbid("comfyjobs/forbidden");
        SecretUnavailableException denied = assertFails("REDIS_URL_SECRET_ARN: Secrets Manager refused to read the secret it names",
                () -> reader.read("comfyjobs/forbidden", "REDIS_URL_SECRET_ARN"));
        assertTrue(denied.getMessage().contains("AccessDeniedException"), denied.getMessage());
        assertFalse(denied.getMessage().contains("hunter2"), denied.getMessage());

        sm.outage(true);
        assertFails("REDIS_URL_SECRET_ARN: Secrets Manager refused to read the secret it names (InternalServiceError, HTTP 500)",
                () -> reader.read("comfyjobs/forbidden", "REDIS_URL_SECRET_ARN"));

        try (SecretsManagerReader nowhere = SecretsManagerReader.create(URI.create("http://127.0.0.1:" + FreePorts.any()),
                FakeSecretsManager.REGION, FakeSecretsManager.CREDENTIALS)) {
            assertFails("COMFYUI_HEADER_SECRET_ARN: Secrets Manager could not be reached", () -> nowhere.read("s", "COMFYUI_HEADER_SECRET_ARN"));
        }
    }

    private static SecretUnavailableException assertFails(String messageStart, Runnable read) {
        SecretUnavailableException e = assertThrows(SecretUnavailableException.class, read::run);
        assertTrue(e.getMessage().startsWith(messageStart), e.getMessage());
        return e;
    }
}
