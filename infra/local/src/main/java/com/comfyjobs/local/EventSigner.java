package com.comfyjobs.local;

import com.comfyjobs.config.ConfigException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookSigningException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * {@code events/sign --job ID}: copies of the event files that {@code sam local invoke} can use now.
 * The files name a placeholder job and their webhooks carry signatures made at a fixed time, which
 * Standard Webhooks refuses after five minutes; the copies name a real job (path parameters, raw path,
 * the webhooks' prompt ids) and each webhook gets a fresh id, timestamp and signature, made with the
 * secret of events/env.json, as the ComfyUI bridge signs a delivery.
 */
public final class EventSigner {
    /** The job the committed files name. */
    static final String PLACEHOLDER_JOB = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Webhook signer;
    private final Clock clock;

    EventSigner(String secret, Clock clock) {
        this.signer = new Webhook(secret);
        this.clock = clock;
    }

    public static void main(String[] args) {
        Path events = Path.of("events");
        Path env = null;
        Path out = null;
        String job = null;
        String secret = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--job" -> job = value(args, ++i);
                case "--secret" -> secret = value(args, ++i);
                case "--events" -> events = Path.of(value(args, ++i));
                case "--env" -> env = Path.of(value(args, ++i));
                case "--out" -> out = Path.of(value(args, ++i));
                default -> fail("unknown option " + args[i]);
            }
        }
        if (job == null) {
            fail("--job is required: the id POST /jobs answered");
        }
        try {
            UUID.fromString(job);
        } catch (IllegalArgumentException e) {
            fail("--job must be a job id (a UUID), was " + job);
        }
        try {
            if (secret == null) {
                secret = SamLocalEnv.read(env != null ? env : events.resolve("env.json")).required("WEBHOOK_SECRET");
            }
            Path target = out != null ? out : events.resolve("signed");
            List<Path> written = new EventSigner(secret, Clock.systemUTC()).signAll(events, job, target);
            System.out.println("wrote " + written.size() + " events for job " + job + " to " + target
                    + " (webhooks valid for five minutes from now)");
        } catch (ConfigException | UncheckedIOException | IllegalArgumentException e) {
            fail(e.getMessage());
        }
    }

    /** Every event file in {@code dir} (env.json aside), for {@code job}, written into {@code out}. */
    List<Path> signAll(Path dir, String job, Path out) {
        List<Path> written = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            Files.createDirectories(out);
            for (Path file : files) {
                if (file.getFileName().toString().equals("env.json")) {
                    continue;
                }
                Path target = out.resolve(file.getFileName());
                Files.writeString(target, JSON.writeValueAsString(forJob(Files.readString(file, StandardCharsets.UTF_8), job)) + "\n",
                        StandardCharsets.UTF_8);
                written.add(target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return written;
    }

    /** One event for {@code job}; a webhook signed again now. */
    JsonNode forJob(String eventText, String job) throws IOException {
        JsonNode event = JSON.readTree(eventText.replace(PLACEHOLDER_JOB, job));
        JsonNode headers = event.get("headers");
        if (headers instanceof ObjectNode h && h.has("webhook-signature")) {
            long now = clock.instant().getEpochSecond();
            // a fresh id: the service refuses an id it has seen within its replay window
            String id = h.path("webhook-id").asText() + "-" + now + "-" + UUID.randomUUID().toString().substring(0, 8);
            h.put("webhook-id", id);
            h.put("webhook-timestamp", Long.toString(now));
            try {
                h.put("webhook-signature", signer.sign(id, now, event.path("body").asText()));
            } catch (WebhookSigningException e) {
                throw new IllegalArgumentException("the secret cannot sign: " + e.getMessage());
            }
        }
        return event;
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            fail(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static void fail(String message) {
        System.err.println("events/sign: " + message);
        System.err.println("usage: events/sign --job JOB_ID [--secret whsec_...] [--env events/env.json] [--events DIR] [--out events/signed]");
        System.exit(2);
    }
}
