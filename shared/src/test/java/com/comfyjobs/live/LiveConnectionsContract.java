package com.comfyjobs.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What every {@link LiveConnections} keeps of a WebSocket connection; subclasses make a fresh one. */
public abstract class LiveConnectionsContract {
    protected abstract LiveConnections connections();

    private static String id() {
        return "Lx" + UUID.randomUUID() + "=";
    }

    private static Instant open() {
        return Instant.now().plus(Duration.ofHours(2));
    }

    @Test
    void aConnectionRemembersItsUserAndWhatItListensTo() {
        LiveConnections c = connections();
        String id = id();
        c.open(id, "alice", open());
        assertEquals(Optional.of(new LiveConnections.Remembered("alice", 1)), c.remember(id, "job-1"));
        assertEquals(Optional.of(new LiveConnections.Remembered("alice", 1)), c.remember(id, "job-1"), "remembering twice is one");
        assertEquals(Optional.of(new LiveConnections.Remembered("alice", 2)), c.remember(id, LiveConnections.ALL));
        assertEquals(Optional.of("alice"), c.forget(id, "job-1"));
        assertEquals(Optional.of("alice"), c.forget(id, "never-remembered"));
        assertEquals(Optional.of(new LiveConnections.Closed("alice", Set.of(LiveConnections.ALL))), c.close(id));
        assertEquals(Optional.empty(), c.close(id), "closing twice: nothing the second time");
    }

    @Test
    void anUnknownConnectionRemembersNothing() {
        LiveConnections c = connections();
        String id = id();
        assertEquals(Optional.empty(), c.remember(id, "job-1"));
        assertEquals(Optional.empty(), c.forget(id, "job-1"));
        assertEquals(Optional.empty(), c.close(id));
    }

    @Test
    void aConnectionEndsWhenItsLifetimeDoes() throws InterruptedException {
        LiveConnections c = connections();
        String id = id();
        c.open(id, "alice", Instant.now().plusMillis(150));
        assertTrue(c.remember(id, "job-1").isPresent());
        Thread.sleep(300);
        assertEquals(Optional.empty(), c.remember(id, "job-2"));
        assertEquals(Optional.empty(), c.close(id));
    }

    @Test
    void connectionsAreKeptApartWhateverTheirIds() {
        LiveConnections c = connections();
        String a = "a}:{b%3A" + UUID.randomUUID();
        String b = "a}%3A{b:" + a.substring(8);
        c.open(a, "alice", open());
        c.open(b, "bob", open());
        assertEquals("alice", c.remember(a, "j").orElseThrow().userId());
        assertEquals("bob", c.remember(b, "k").orElseThrow().userId());
        assertEquals(Set.of("j"), c.close(a).orElseThrow().targets());
    }
}
