package com.comfyjobs.live;

import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.PromptIds;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;

/**
 * The WebSocket API's routes: a connection opens ($connect, after the authorizer named its user), sends
 * {@code {"action": "subscribe" | "unsubscribe", "jobId": "..."}} or {@code {..., "all": true}} (every
 * job of its user, those to come included) on $default, and closes ($disconnect). Each message is
 * answered with one message:
 * <ul>
 * <li>{@code {"type": "subscribed", "jobId", "status"}}: the job's status now (a client reads the job
 *     with GET for what came before); an ended job is answered so and not listened to;
 *     {@code {"type": "subscribed", "all": true}};</li>
 * <li>{@code {"type": "unsubscribed", "jobId"}} or {@code {"type": "unsubscribed", "all": true}};</li>
 * <li>{@code {"type": "error", "status": 404, "jobId"}} for a job that is not the caller's, unknown
 *     and foreign alike, and nothing else;</li>
 * <li>{@code {"type": "error", "status": 400, "detail"}} for a message that is not one of these
 *     shapes (it changes nothing), 429 past {@value #MAX_SUBSCRIPTIONS} subscriptions on one
 *     connection, 410 for a connection that is not known any more.</li>
 * </ul>
 */
public final class LiveService {
    /** API Gateway closes a WebSocket connection after two hours at the latest. */
    public static final Duration CONNECTION_LIFETIME = Duration.ofHours(2);
    public static final int MAX_SUBSCRIPTIONS = 100;
    /** A subscribe message is a few dozen bytes; API Gateway would pass up to 128 KB. */
    public static final int MAX_MESSAGE_BYTES = 4096;
    private static final Set<String> FIELDS = Set.of("action", "jobId", "all");
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final JobStore jobs;
    private final LiveConnections connections;
    private final Clock clock;

    public LiveService(JobStore jobs, LiveConnections connections, Clock clock) {
        this.jobs = jobs;
        this.connections = connections;
        this.clock = clock;
    }

    /** $connect: the authorizer verified the caller. */
    public void connect(String connectionId, String userId) {
        connections.open(connectionId, userId, clock.instant().plus(CONNECTION_LIFETIME));
    }

    /** $default: one message, one answer (JSON text). */
    public String receive(String connectionId, String body) {
        Message m;
        try {
            m = Message.parse(body);
        } catch (IllegalArgumentException e) {
            return error(400).put("detail", e.getMessage()).toString();
        }
        String target = m.all() ? LiveConnections.ALL : m.jobId();
        return m.subscribe() ? subscribe(connectionId, m, target) : unsubscribe(connectionId, m, target);
    }

    private String subscribe(String connectionId, Message m, String target) {
        if (!m.all() && !PromptIds.isJobId(m.jobId())) {
            return error(404).put("jobId", m.jobId()).toString();
        }
        Optional<LiveConnections.Remembered> remembered = connections.remember(connectionId, target);
        if (remembered.isEmpty()) {
            return gone();
        }
        String user = remembered.get().userId();
        if (remembered.get().targets() > MAX_SUBSCRIPTIONS) {
            connections.forget(connectionId, target);
            return error(429).put("detail", "a connection holds at most " + MAX_SUBSCRIPTIONS
                    + " subscriptions; unsubscribe from ended jobs, or subscribe to all of yours").toString();
        }
        Instant until = clock.instant().plus(CONNECTION_LIFETIME);
        if (m.all()) {
            jobs.listenAll(user, connectionId, until);
            return JSON.createObjectNode().put("type", "subscribed").put("all", true).toString();
        }
        Optional<JobStatus> status = jobs.listen(m.jobId(), user, connectionId, until);
        if (status.isEmpty()) {
            connections.forget(connectionId, target);
            return error(404).put("jobId", m.jobId()).toString();
        }
        return JSON.createObjectNode().put("type", "subscribed").put("jobId", m.jobId()).put("status", status.get().wire()).toString();
    }

    private String unsubscribe(String connectionId, Message m, String target) {
        Optional<String> user = connections.forget(connectionId, target);
        if (user.isEmpty()) {
            return gone();
        }
        ObjectNode answer = JSON.createObjectNode().put("type", "unsubscribed");
        if (m.all()) {
            jobs.unlistenAll(user.get(), connectionId);
            answer.put("all", true);
        } else {
            if (PromptIds.isJobId(m.jobId())) {
                jobs.unlisten(m.jobId(), connectionId);
            }
            answer.put("jobId", m.jobId());
        }
        return answer.toString();
    }

    /**
     * $disconnect, and a push that found the connection gone: its listener registrations are taken back.
     * Closing a connection closed already does nothing.
     */
    public void disconnect(String connectionId) {
        connections.close(connectionId).ifPresent(closed -> {
            for (String target : closed.targets()) {
                if (LiveConnections.ALL.equals(target)) {
                    jobs.unlistenAll(closed.userId(), connectionId);
                } else if (PromptIds.isJobId(target)) {
                    jobs.unlisten(target, connectionId);
                }
            }
        });
    }

    private static String gone() {
        return error(410).put("detail", "this connection is not known any more; open a new one").toString();
    }

    private static ObjectNode error(int status) {
        return JSON.createObjectNode().put("type", "error").put("status", status);
    }

    /** A $default message, checked in full before anything is touched. */
    record Message(boolean subscribe, String jobId, boolean all) {
        static Message parse(String body) {
            if (body == null || body.isBlank()) {
                throw new IllegalArgumentException("the message is empty; send {\"action\": \"subscribe\", \"jobId\": \"...\"}");
            }
            if (body.getBytes(StandardCharsets.UTF_8).length > MAX_MESSAGE_BYTES) {
                throw new IllegalArgumentException("the message is over " + MAX_MESSAGE_BYTES + " bytes");
            }
            JsonNode n;
            try {
                n = JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("the message is not JSON");
            }
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException("the message must be a JSON object");
            }
            Iterator<String> names = n.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!FIELDS.contains(name)) {
                    throw new IllegalArgumentException("unknown field '" + (name.length() > 64 ? name.substring(0, 64) + "..." : name)
                            + "'; a message has action and either jobId or all");
                }
            }
            JsonNode action = n.get("action");
            if (action == null || !action.isTextual() || !Set.of("subscribe", "unsubscribe").contains(action.asText())) {
                throw new IllegalArgumentException("action must be \"subscribe\" or \"unsubscribe\"");
            }
            JsonNode jobId = n.get("jobId");
            JsonNode all = n.get("all");
            if ((jobId == null) == (all == null)) {
                throw new IllegalArgumentException("give either jobId or \"all\": true");
            }
            if (all != null && !(all.isBoolean() && all.booleanValue())) {
                throw new IllegalArgumentException("all must be true");
            }
            if (jobId != null && (!jobId.isTextual() || jobId.asText().isEmpty() || jobId.asText().length() > 64)) {
                throw new IllegalArgumentException("jobId must be a job id (a string)");
            }
            return new Message("subscribe".equals(action.asText()), jobId == null ? null : jobId.asText(), all != null);
        }
    }
}
