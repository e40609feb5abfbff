package com.comfyjobs.simulator.webhook;

import com.comfyjobs.simulator.WebhookOptions;
import com.comfyjobs.simulator.WebhookStats;
import com.comfyjobs.simulator.engine.EventListener;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Posts every event as a signed Standard Webhook from one background thread, one delivery at a time
 * and oldest first, so each prompt's events arrive in order unless the reorder knob says otherwise.
 * Retries keep the webhook-id and get a fresh timestamp and signature.
 */
public final class WebhookSender implements EventListener {
    private static final int REORDER_WINDOW = 4;
    private static final long RETRY_AFTER_CAP_MILLIS = 300_000;
    /** As the bridge: a batch stops growing at this many bytes, below the receiver's 1 MiB (one larger envelope goes alone). */
    public static final int MAX_BATCH_BYTES = 256 * 1024;

    private final Object lock = new Object();
    private final Random random;
    private final Coalescer coalescer = new Coalescer();
    private final Deque<Envelope> queued = new ArrayDeque<>();
    private final Deque<Delivery> ready = new ArrayDeque<>();
    private final ExecutorService httpThreads;
    private final HttpClient client;
    private final Thread thread;
    private Target target;
    private long sequence;
    private long epoch;
    private boolean inFlight;
    private boolean gone;
    private boolean closed;
    private long attempted;
    private long delivered;
    private long dropped;
    private long duplicated;
    private long failed;
    private long retries;
    private long discarded;

    private record Target(WebhookOptions options, Signer signer) {
    }

    public WebhookSender(WebhookOptions options, Random random, String threadName) {
        this.random = random;
        this.httpThreads = Executors.newCachedThreadPool(runnable -> {
            Thread t = new Thread(runnable, threadName + "-http");
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder().executor(httpThreads).connectTimeout(Duration.ofSeconds(5)).build();
        configure(options);
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Sets (or with null, removes) the target; events already queued go to the new target. */
    public void configure(WebhookOptions options) {
        synchronized (lock) {
            target = options == null ? null : new Target(options, new Signer(options.secret()));
            gone = false;
            lock.notifyAll();
        }
    }

    public WebhookOptions options() {
        synchronized (lock) {
            return target == null ? null : target.options();
        }
    }

    @Override
    public void event(String type, ObjectNode data, String sid) {
        synchronized (lock) {
            if (target == null || gone || closed || !target.options().events().contains(type)) {
                return;
            }
            if (target.options().neverSent().contains(type)) {
                dropped++;
                return;
            }
            Envelope envelope = Envelope.of(sequence++, type, data);
            coalescer.accept(envelope, target.options().coalesceMillis(), System.currentTimeMillis(), queued::add);
            lock.notifyAll();
        }
    }

    /** A simulated restart: everything not yet sent is lost, and a 410 is forgotten. */
    public void reset() {
        synchronized (lock) {
            epoch++;
            discardAll();
            gone = false;
            lock.notifyAll();
        }
    }

    /** Nothing queued, held back or in flight. */
    public boolean isIdle() {
        synchronized (lock) {
            return queued.isEmpty() && ready.isEmpty() && !inFlight && !coalescer.holdsAny();
        }
    }

    public WebhookStats stats() {
        synchronized (lock) {
            return new WebhookStats(attempted, delivered, dropped, duplicated, failed, retries, coalescer.superseded(), discarded);
        }
    }

    public void close() {
        synchronized (lock) {
            closed = true;
            epoch++;
            discardAll();
            lock.notifyAll();
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        httpThreads.shutdownNow();
    }

    private void discardAll() {
        discarded += queued.size() + coalescer.clear();
        discarded += ready.size();
        queued.clear();
        ready.clear();
    }

    private void run() {
        while (true) {
            Delivery delivery;
            Target current;
            long deliveryEpoch;
            synchronized (lock) {
                delivery = next();
                if (delivery == null) {
                    return;
                }
                current = target;
                deliveryEpoch = epoch;
            }
            try {
                deliver(delivery, current, deliveryEpoch);
            } finally {
                synchronized (lock) {
                    inFlight = false;
                    lock.notifyAll();
                }
            }
        }
    }

    /** Waits for the next delivery to send; null when closed. Runs with the lock held. */
    private Delivery next() {
        while (!closed) {
            long now = System.currentTimeMillis();
            long window = target == null ? 0 : target.options().coalesceMillis();
            long due = coalescer.releaseDue(window, now, queued::add);
            if (ready.isEmpty() && !queued.isEmpty() && target != null && !gone) {
                form(target.options(), target.signer());
            }
            if (!ready.isEmpty()) {
                inFlight = true;
                return ready.poll();
            }
            waitLocked(due < 0 ? 0 : Math.max(1, due - now));
        }
        return null;
    }

    /** Cuts queued envelopes into deliveries and applies the drop, duplicate and reorder knobs. */
    private void form(WebhookOptions options, Signer signer) {
        List<Delivery> formed = new ArrayList<>();
        int window = options.reorder() ? REORDER_WINDOW : 1;
        while (formed.size() < window && !queued.isEmpty()) {
            byte[] body = options.batchSize() > 1 ? batch(options.batchSize()) : queued.poll().body();
            if (random.nextDouble() * 100 < options.dropPercent()) {
                dropped++;
                continue;
            }
            boolean duplicate = random.nextDouble() * 100 < options.duplicatePercent();
            formed.add(new Delivery(signer.newMessageId(), body, duplicate));
        }
        if (options.reorder()) {
            Collections.shuffle(formed, random);
        }
        ready.addAll(formed);
    }

    /**
     * The oldest queued envelope and up to {@code size - 1} more of its prompt (prompt-less events are
     * one more prompt) within {@link #MAX_BATCH_BYTES}, as the bridge cuts batches: one prompt per POST,
     * so a refused batch holds back no other prompt's events.
     */
    private byte[] batch(int size) {
        String prompt = queued.peek().promptId();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write('[');
        int taken = 0;
        for (Iterator<Envelope> it = queued.iterator(); it.hasNext() && taken < size; ) {
            Envelope next = it.next();
            if (!Objects.equals(prompt, next.promptId())) {
                continue;
            }
            if (taken > 0 && body.size() + next.body().length + 1 > MAX_BATCH_BYTES) {
                break;
            }
            it.remove();
            if (taken++ > 0) {
                body.write(',');
            }
            body.writeBytes(next.body());
        }
        body.write(']');
        return body.toByteArray();
    }

    private void deliver(Delivery delivery, Target current, long deliveryEpoch) {
        WebhookOptions options = current.options();
        for (int attempt = 1; ; attempt++) {
            if (!stillCurrent(deliveryEpoch)) {
                return;
            }
            HttpRequest request = request(delivery, current);
            HttpResponse<Void> response = post(request, attempt > 1);
            int status = response == null ? 0 : response.statusCode();
            if (status >= 200 && status < 300) {
                synchronized (lock) {
                    delivered++;
                }
                if (delivery.duplicate()) {
                    post(request, false);
                    synchronized (lock) {
                        duplicated++;
                    }
                }
                return;
            }
            if (status == 410) {
                synchronized (lock) {
                    failed++;
                    gone = true;
                    discardAll();
                }
                return;
            }
            boolean retryable = status == 0 || status == 408 || status == 429 || status >= 500;
            if (!retryable || attempt >= options.maxAttempts()) {
                synchronized (lock) {
                    failed++;
                }
                return;
            }
            long wait = retryAfterMillis(response);
            if (wait < 0) {
                long cap = Math.min(options.maxBackoffMillis(), options.initialBackoffMillis() << Math.min(attempt - 1, 30));
                synchronized (lock) {
                    wait = cap <= 0 ? 0 : (long) (random.nextDouble() * cap);
                }
            }
            if (!pause(wait, deliveryEpoch)) {
                return;
            }
        }
    }

    private HttpRequest request(Delivery delivery, Target current) {
        long timestamp = System.currentTimeMillis() / 1000;
        return HttpRequest.newBuilder(current.options().url())
                .timeout(Duration.ofMillis(current.options().timeoutMillis()))
                .header("content-type", "application/json")
                .header("user-agent", "comfyui-simulator/1.0")
                .header("webhook-id", delivery.messageId())
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", current.signer().sign(delivery.messageId(), timestamp, delivery.body()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.body()))
                .build();
    }

    /** One POST; null when no answer came (connection refused, reset, timeout). */
    private HttpResponse<Void> post(HttpRequest request, boolean retry) {
        synchronized (lock) {
            attempted++;
            if (retry) {
                retries++;
            }
        }
        try {
            return client.send(request, HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Retry-After as seconds or an HTTP date, capped; -1 when absent or unreadable. */
    private static long retryAfterMillis(HttpResponse<Void> response) {
        if (response == null) {
            return -1;
        }
        String value = response.headers().firstValue("retry-after").orElse(null);
        if (value == null) {
            return -1;
        }
        try {
            return Math.min(RETRY_AFTER_CAP_MILLIS, Math.max(0, Long.parseLong(value.strip()) * 1000));
        } catch (NumberFormatException notSeconds) {
            try {
                long at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
                return Math.min(RETRY_AFTER_CAP_MILLIS, Math.max(0, at - System.currentTimeMillis()));
            } catch (DateTimeParseException notDate) {
                return -1;
            }
        }
    }

    private boolean stillCurrent(long deliveryEpoch) {
        synchronized (lock) {
            if (epoch != deliveryEpoch) {
                discarded++;
                return false;
            }
            return true;
        }
    }

    /** Waits before a retry; false when a restart or close made the delivery moot. */
    private boolean pause(long millis, long deliveryEpoch) {
        long deadline = System.currentTimeMillis() + millis;
        synchronized (lock) {
            long remaining = millis;
            while (epoch == deliveryEpoch && remaining > 0) {
                waitLocked(remaining);
                remaining = deadline - System.currentTimeMillis();
            }
        }
        return stillCurrent(deliveryEpoch);
    }

    private void waitLocked(long millis) {
        try {
            lock.wait(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }
}
