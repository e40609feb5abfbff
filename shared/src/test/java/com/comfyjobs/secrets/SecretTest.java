package com.comfyjobs.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.observability.JsonLog;
import com.comfyjobs.testing.FakeSecretsManager;
import com.comfyjobs.testing.ServiceHarness.MovableClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One secret read through Secrets Manager with a TTL: when it is read again, and what an outage does. */
class SecretTest {
    private static final Duration TTL = Duration.ofSeconds(300);
    private static final String ID = "comfyjobs/webhook";

    private final MovableClock clock = new MovableClock();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private FakeSecretsManager sm;
    private SecretsManagerReader reader;

    @BeforeEach
    void start() {
        sm = FakeSecretsManager.start();
        reader = sm.reader();
        JsonLog.redirect(new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        JsonLog.redirect(System.out);
        reader.close();
        sm.close();
    }

    private Secret secret() {
        return new Secret("WEBHOOK_SECRET_ARN", ID, reader, TTL, clock);
    }

    private List<String> logLines(String level) {
        return Arrays.stream(log.toString(StandardCharsets.UTF_8).split("\n")).filter(l -> l.contains("\"level\":\"" + level + "\"")).toList();
    }

    @Test
    void aValueIsReadOncePerTtlAndARotationShowsOnceItHasPassed() {
        sm.put(ID, "first");
        Secret s = secret();
        assertEquals("first", s.get());
        assertEquals("first", s.get());
        sm.put(ID, "second");
        // the clock runs on real time too: a minute short of the TTL, however long the first read took (SDK and logging start-up)
        clock.advance(TTL.minusSeconds(60));
        assertEquals("first", s.get(), "still within the TTL");
        assertEquals(1, sm.reads(ID));
        clock.advance(Duration.ofSeconds(60));
        assertEquals("second", s.get());
        assertEquals("second", s.get());
        assertEquals(2, sm.reads(ID));
    }

    @Test
    void invalidateMakesTheNextUseReadAgain() {
        sm.put(ID, "first");
        Secret s = secret();
        assertEquals("first", s.get());
        sm.put(ID, "second");
        s.invalidate();
        assertEquals("second", s.get());
        assertEquals(2, sm.reads(ID));
    }

    @Test
    void anOutageAfterAReadKeepsTheValuePastItsTtlWithOneWarning() {
        sm.put(ID, "first");
        Secret s = secret();
        assertEquals("first", s.get());
        sm.outage(true);
        for (int i = 0; i < 4; i++) {
            clock.advance(TTL);
            assertEquals("first", s.get());
        }
        List<String> warnings = logLines("WARN");
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("WEBHOOK_SECRET_ARN") && warnings.get(0).contains("InternalServiceError"), warnings.get(0));
        assertTrue(!log.toString(StandardCharsets.UTF_8).contains("first"), "the value is never logged");

        sm.outage(false);
        sm.put(ID, "second");
        clock.advance(Secret.RETRY_AFTER_FAILURE);
        assertEquals("second", s.get());
        assertEquals(1, logLines("INFO").size());
        assertEquals(1, logLines("WARN").size());
    }

    @Test
    void whileReadsFailTheyAreTriedAgainOnlyAfterAPause() {
        sm.put(ID, "first");
        Secret s = secret();
        s.get();
        sm.outage(true);
        clock.advance(TTL);
        s.get();
        int calls = sm.authorizations().size();
        clock.advance(Secret.RETRY_AFTER_FAILURE.minusSeconds(1));
        s.get();
        s.get();
        assertEquals(calls, sm.authorizations().size(), "no call to a Secrets Manager known to be down");
        clock.advance(Duration.ofSeconds(1));
        s.get();
        assertTrue(sm.authorizations().size() > calls);
    }

    @Test
    void withNothingReadBeforeAFailureIsAnErrorNamingTheVariable() {
        sm.outage(true);
        SecretUnavailableException down = assertThrows(SecretUnavailableException.class, secret()::get);
        assertTrue(down.getMessage().startsWith("WEBHOOK_SECRET_ARN: "), down.getMessage());

        sm.outage(false);
        sm.put(ID, "first");
        Secret s = secret();
        s.get();
        sm.outage(true);
        s.invalidate();
        SecretUnavailableException afterRestore = assertThrows(SecretUnavailableException.class, s::get);
        assertTrue(afterRestore.getMessage().startsWith("WEBHOOK_SECRET_ARN: "), afterRestore.getMessage());
    }

    @Test
    void aMissingOrBinarySecretIsAnErrorNamingTheVariable() {
        SecretUnavailableException missing = assertThrows(SecretUnavailableException.class, secret()::get);
        assertEquals("WEBHOOK_SECRET_ARN: the secret it names does not exist", missing.getMessage());
        sm.putBinary(ID);
        SecretUnavailableException binary = assertThrows(SecretUnavailableException.class, secret()::get);
        assertTrue(binary.getMessage().startsWith("WEBHOOK_SECRET_ARN: the secret it names has no SecretString"), binary.getMessage());
    }

    @Test
    void aFixedValueIsNeverReadNorForgotten() {
        Secret s = Secret.fixed("WEBHOOK_SECRET", "plain");
        s.invalidate();
        clock.advance(Duration.ofDays(3));
        assertEquals("plain", s.get());
        assertEquals("WEBHOOK_SECRET", s.variable());
        assertTrue(sm.authorizations().isEmpty());
    }
}
