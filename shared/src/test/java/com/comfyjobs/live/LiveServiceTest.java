package com.comfyjobs.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.Listening;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.memory.InMemoryJobStore;
import com.comfyjobs.live.memory.InMemoryLiveConnections;
import com.comfyjobs.testing.JobFixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The $default route's messages, one by one: what each answers and what it registers, for well-formed,
 * malformed and hostile messages alike; on the in-memory stores.
 */
class LiveServiceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final InMemoryJobStore store = new InMemoryJobStore();
    private final InMemoryLiveConnections connections = new InMemoryLiveConnections(Clock.systemUTC());
    private final LiveService live = new LiveService(store, connections, Clock.systemUTC());

    private Job job(String user) {
        return store.create(JobFixtures.newJob(user, JobFixtures.now())).job();
    }

    private JsonNode send(String connection, String message) {
        try {
            return JSON.readTree(live.receive(connection, message));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String subscribe(String jobId) {
        return "{\"action\": \"subscribe\", \"jobId\": \"" + jobId + "\"}";
    }

    private Listening pushOf(Job j) {
        return store.transition(Transition.of(j.id(), Instant.now().plusSeconds(1)).progress(Math.random()).build()).listening();
    }

    @Test
    void aSubscribeIsAnsweredWithTheJobsStatusAndRegistersTheConnection() {
        Job j = job("alice");
        live.connect("c1", "alice");
        JsonNode answer = send("c1", subscribe(j.id()));
        assertEquals(JSON.createObjectNode().put("type", "subscribed").put("jobId", j.id()).put("status", "queued"), answer);
        assertEquals(List.of("c1"), pushOf(j).connections());
    }

    @Test
    void unknownAndForeignJobsAreAnsweredAlikeWithTheJobIdAndNothingMore() {
        Job bobs = job("bob");
        live.connect("c1", "alice");
        String unknown = PromptIds.newJobId();
        assertEquals(JSON.createObjectNode().put("type", "error").put("status", 404).put("jobId", bobs.id()), send("c1", subscribe(bobs.id())));
        assertEquals(JSON.createObjectNode().put("type", "error").put("status", 404).put("jobId", unknown), send("c1", subscribe(unknown)));
        assertEquals(JSON.createObjectNode().put("type", "error").put("status", 404).put("jobId", "not-a-job"), send("c1", subscribe("not-a-job")));
        assertEquals(Listening.NONE, pushOf(bobs), "alice does not hear bob's job");
        for (int i = 0; i < LiveService.MAX_SUBSCRIPTIONS; i++) {
            assertEquals(404, send("c1", subscribe(PromptIds.newJobId())).path("status").asInt(), "refused ones take no place");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "null", "[]", "\"subscribe\"", "42", "{", "{}", "{\"action\": \"subscribe\"}",
        "{\"action\": \"watch\", \"all\": true}", "{\"action\": 1, \"all\": true}", "{\"action\": \"subscribe\", \"all\": false}",
        "{\"action\": \"subscribe\", \"all\": \"true\"}", "{\"action\": \"subscribe\", \"jobId\": 7}",
        "{\"action\": \"subscribe\", \"jobId\": \"\"}", "{\"action\": \"subscribe\", \"jobId\": null}",
        "{\"action\": \"subscribe\", \"all\": true, \"jobId\": \"x\"}", "{\"action\": \"subscribe\", \"all\": true, \"user\": \"bob\"}",
        "{\"action\": \"subscribe\", \"action\": \"unsubscribe\", \"all\": true}", "{\"action\": \"subscribe\", \"all\": true} {}",
        "{\"action\": \"subscribe\", \"jobId\": {\"$ne\": 1}}"})
    void aMalformedMessageIsA400WithADetailAndChangesNothing(String message) {
        Job j = job("alice");
        live.connect("c1", "alice");
        JsonNode answer = send("c1", message);
        assertEquals("error", answer.path("type").asText());
        assertEquals(400, answer.path("status").asInt(), answer.toString());
        assertFalse(answer.path("detail").asText().isBlank());
        assertEquals(Set.of("type", "status", "detail"), Set.copyOf(iterable(answer)));
        assertEquals(Listening.NONE, pushOf(j));
    }

    @Test
    void anOversizedMessageIsA400() {
        live.connect("c1", "alice");
        String big = "{\"action\": \"subscribe\", \"all\": true, \"pad\": \"" + "x".repeat(LiveService.MAX_MESSAGE_BYTES) + "\"}";
        assertEquals(400, send("c1", big).path("status").asInt());
    }

    @Test
    void subscribingToAllHearsEveryOwnJobAndUnsubscribingStopsIt() {
        Job mine = job("alice");
        Job theirs = job("bob");
        live.connect("c1", "alice");
        assertEquals(JSON.createObjectNode().put("type", "subscribed").put("all", true), send("c1", "{\"action\": \"subscribe\", \"all\": true}"));
        assertEquals(List.of("c1"), pushOf(mine).connections());
        assertEquals(List.of("c1"), pushOf(job("alice")).connections(), "and jobs made later");
        assertEquals(Listening.NONE, pushOf(theirs));
        assertEquals(JSON.createObjectNode().put("type", "unsubscribed").put("all", true),
                send("c1", "{\"action\": \"unsubscribe\", \"all\": true}"));
        assertEquals(Listening.NONE, store.transition(Transition.of(mine.id(), Instant.now().plusSeconds(5)).progress(0.99).build()).listening());
    }

    @Test
    void anEndedJobIsAnsweredWithItsStatusAndNotListenedTo() {
        Job j = job("alice");
        store.updateStatus(j.id(), JobStatus.CANCELED, JobFixtures.now());
        live.connect("c1", "alice");
        assertEquals("canceled", send("c1", subscribe(j.id())).path("status").asText());
    }

    @Test
    void aConnectionHoldsAtMostItsShareOfSubscriptions() {
        live.connect("c1", "alice");
        List<String> held = new java.util.ArrayList<>();
        for (int i = 0; i < LiveService.MAX_SUBSCRIPTIONS; i++) {
            held.add(job("alice").id());
            assertEquals("subscribed", send("c1", subscribe(held.get(i))).path("type").asText());
        }
        Job oneMore = job("alice");
        JsonNode refused = send("c1", subscribe(oneMore.id()));
        assertEquals(429, refused.path("status").asInt(), refused.toString());
        assertEquals(Listening.NONE, pushOf(oneMore));
        assertEquals(429, send("c1", "{\"action\": \"subscribe\", \"all\": true}").path("status").asInt());
        send("c1", "{\"action\": \"unsubscribe\", \"jobId\": \"" + oneMore.id() + "\"}");
        assertEquals(429, send("c1", "{\"action\": \"subscribe\", \"all\": true}").path("status").asInt(),
                "letting go of what it does not hold frees nothing");
        send("c1", "{\"action\": \"unsubscribe\", \"jobId\": \"" + held.get(0) + "\"}");
        assertEquals("subscribed", send("c1", "{\"action\": \"subscribe\", \"all\": true}").path("type").asText(),
                "the cap counts what is held");
    }

    @Test
    void aMessageOnAConnectionThatIsNotKnownIsA410() {
        Job j = job("alice");
        assertEquals(410, send("never-opened", subscribe(j.id())).path("status").asInt());
        assertEquals(Listening.NONE, pushOf(j));
        InMemoryLiveConnections expiring = new InMemoryLiveConnections(Clock.offset(Clock.systemUTC(), Duration.ofHours(3)));
        expiring.open("old", "alice", Instant.now().plus(LiveService.CONNECTION_LIFETIME));
        assertTrue(expiring.remember("old", "*").isEmpty(), "two hours on, the connection is gone");
    }

    @Test
    void aDisconnectTakesBackEveryRegistrationOfTheConnection() {
        Job a = job("alice");
        Job b = job("alice");
        live.connect("c1", "alice");
        send("c1", subscribe(a.id()));
        send("c1", "{\"action\": \"subscribe\", \"all\": true}");
        live.connect("c2", "alice");
        send("c2", subscribe(b.id()));

        live.disconnect("c1");
        live.disconnect("c1");

        assertEquals(Listening.NONE, pushOf(a));
        assertEquals(List.of("c2"), pushOf(b).connections());
        assertEquals(410, send("c1", subscribe(a.id())).path("status").asInt());
    }

    private static List<String> iterable(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
