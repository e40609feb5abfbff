package com.comfyjobs.callbacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.artifacts.ArtifactSettings;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.CallbackDelivery;
import com.comfyjobs.job.CallbackStatus;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.Webhook;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.outbound.UrlFetcher;
import com.comfyjobs.outbound.UrlPolicy;
import com.comfyjobs.query.JobViews;
import com.comfyjobs.testing.CallbackReceiver;
import com.comfyjobs.testing.JobFixtures;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Two containers' schedules drain the same outboxes at once, each on its own connection to one real
 * store, with real threads, to a real receiver, while a third sender has claimed some deliveries and
 * died. Every delivery arrives, each exactly once while no sender dies mid-send (the claim is atomic),
 * the dead sender's deliveries once its claim has run out, and every one verifies with its caller's
 * secret. Every store runs exactly this test; subclasses say how to connect to one fresh store.
 */
public abstract class CallbackDrainersRaceContract {
    private static final int JOBS = 300;
    private static final int CLAIMED_BY_THE_DEAD = 40;
    private static final String KEY = "callback-drainers-race-secrets-key-0123456789";

    /** Connections to one store with no data, shared by nothing else: each call is another container's connection to it. */
    protected abstract Supplier<JobStore> freshStore();

    /** One function's container: its own connection, secrets, sender and schedule. */
    private record Container(JobStore store, WebhookSecretService secrets, CallbackDrainer drainer, UrlFetcher http, ArtifactStore bucket)
            implements AutoCloseable {
        static Container start(JobStore store) {
            ArtifactStore bucket = ArtifactStore.create(ArtifactSettings.of("race", URI.create("http://127.0.0.1:9")),
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("race", "race-secret")));
            WebhookSecretService secrets = new WebhookSecretService(store, new SecretBox(() -> KEY, "CALLBACK_SECRETS_KEY"), Clock.systemUTC());
            UrlFetcher http = new UrlFetcher(new UrlPolicy(true, UrlPolicy.HostLookup.SYSTEM), CallbackSender.TIMEOUT, CallbackSender.TIMEOUT,
                    CallbackSender.TIMEOUT, 16);
            CallbackSender sender = new CallbackSender(store, new JobViews(bucket), secrets, http, ServiceSettings.defaults(),
                    Clock.systemUTC(), JobObserver.NONE);
            return new Container(store, secrets, new CallbackDrainer(store, sender, Clock.systemUTC(), 16), http, bucket);
        }

        @Override
        public void close() {
            drainer.close();
            http.close();
            bucket.close();
            store.close();
        }
    }

    @Test
    void twoSchedulesAndADeadSenderLoseNothingAndSendNothingTwice() throws Exception {
        Supplier<JobStore> store = freshStore();
        try (CallbackReceiver receiver = CallbackReceiver.start(); Container a = Container.start(store.get());
             Container b = Container.start(store.get())) {
            List<Job> jobs = new ArrayList<>();
            for (int i = 0; i < JOBS; i++) {
                Job j = JobFixtures.queued("user-" + i % 10, JobFixtures.now()).toBuilder()
                        .webhook(new Webhook(receiver.url(), Webhook.TERMINAL_EVENTS)).build();
                a.store().create(JobFixtures.newJob(j));
                jobs.add(j);
            }
            ExecutorService functions = Executors.newFixedThreadPool(8);
            List<Future<?>> ended = new ArrayList<>();
            for (Job j : jobs) {
                ended.add(functions.submit(() -> a.store().updateStatus(j.id(), JobStatus.FAILED, JobFixtures.now())));
            }
            for (Future<?> f : ended) {
                f.get();
            }
            Instant now = Instant.now();
            for (Job j : jobs.subList(0, CLAIMED_BY_THE_DEAD)) {
                assertTrue(a.store().claimFirstCallback(j.id(), now, "dead-sender", now.plusSeconds(2)).isPresent());
            }

            Instant deadline = Instant.now().plusSeconds(60);
            Future<DrainSummary> first = functions.submit(() -> a.drainer().drain(deadline));
            Future<DrainSummary> second = functions.submit(() -> b.drainer().drain(deadline));
            int delivered = first.get().count(SendOutcome.DELIVERED) + second.get().count(SendOutcome.DELIVERED);
            functions.shutdown();

            assertEquals(JOBS, delivered);
            Map<String, Long> timesSent = receiver.deliveries().stream().collect(Collectors.groupingBy(CallbackReceiver.Delivery::id,
                    Collectors.counting()));
            Map<String, Job> byDelivery = jobs.stream().collect(Collectors.toMap(j -> CallbackDelivery.idOf(j.id(), 1), Function.identity()));
            assertEquals(byDelivery.keySet(), timesSent.keySet(), "every job's delivery arrived");
            assertEquals(Map.of(1L, (long) JOBS), timesSent.values().stream().collect(Collectors.groupingBy(n -> n, Collectors.counting())),
                    "each exactly once");
            for (CallbackReceiver.Delivery d : receiver.deliveries()) {
                Job j = byDelivery.get(d.id());
                assertEquals("job.failed", d.type());
                assertTrue(d.verifies(b.secrets().current(j.userId()).secret()), d.id());
                assertEquals(CallbackStatus.DELIVERED, a.store().findById(j.id()).orElseThrow().callbacks().status());
            }
            for (int s = 0; s < a.store().shardCount(); s++) {
                assertTrue(a.store().earliestCallbackDue(s).isEmpty(), "outbox " + s + " is empty");
            }
        }
    }
}
