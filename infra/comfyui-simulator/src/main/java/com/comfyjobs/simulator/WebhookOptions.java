package com.comfyjobs.simulator;

import com.comfyjobs.simulator.webhook.Signer;
import java.net.URI;
import java.util.Objects;
import java.util.Set;

/**
 * Where and how the simulator posts its events as Standard Webhooks, including the delivery faults it
 * can inject. Immutable; build with {@link #builder()}.
 */
public final class WebhookOptions {
    /** Every event type ComfyUI sends through send_sync, as the bridge knows them. */
    public static final Set<String> ALL_EVENTS = Set.of("status", "execution_start", "execution_cached", "executing", "progress",
            "progress_state", "executed", "execution_success", "execution_error", "execution_interrupted");
    /**
     * The bridge's defaults (infra/comfyui-webhook, comfyjobs_webhook/config.py), so that the simulator
     * sends what a ComfyUI with the bridge as shipped sends: what the receiver applies, progress as
     * progress_state at most once a second per prompt, up to 20 of a prompt's waiting events per POST.
     */
    public static final Set<String> DEFAULT_EVENTS = Set.of("execution_start", "execution_cached", "progress_state", "executed",
            "execution_success", "execution_error", "execution_interrupted");
    public static final long DEFAULT_COALESCE_MILLIS = 1000;
    public static final int DEFAULT_BATCH_SIZE = 20;
    private final URI url;
    private final String secret;
    private final long coalesceMillis;
    private final int batchSize;
    private final double dropPercent;
    private final double duplicatePercent;
    private final boolean reorder;
    private final int maxAttempts;
    private final long initialBackoffMillis;
    private final long maxBackoffMillis;
    private final long timeoutMillis;
    private final Set<String> neverSent;
    private final Set<String> events;

    private WebhookOptions(Builder b) {
        this.url = Objects.requireNonNull(b.url, "url");
        this.secret = Objects.requireNonNull(b.secret, "secret");
        this.coalesceMillis = b.coalesceMillis;
        this.batchSize = b.batchSize;
        this.dropPercent = b.dropPercent;
        this.duplicatePercent = b.duplicatePercent;
        this.reorder = b.reorder;
        this.maxAttempts = b.maxAttempts;
        this.initialBackoffMillis = b.initialBackoffMillis;
        this.maxBackoffMillis = b.maxBackoffMillis;
        this.timeoutMillis = b.timeoutMillis;
        this.neverSent = Set.copyOf(b.neverSent);
        this.events = Set.copyOf(b.events);
        String scheme = url.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("webhook url must be http or https: " + url);
        }
        Signer.decodeSecret(secret);
        require(coalesceMillis >= 0, "coalesceMillis must be >= 0");
        require(batchSize >= 1, "batchSize must be >= 1");
        require(dropPercent >= 0 && dropPercent <= 100, "dropPercent must be within 0..100");
        require(duplicatePercent >= 0 && duplicatePercent <= 100, "duplicatePercent must be within 0..100");
        require(maxAttempts >= 1, "maxAttempts must be >= 1");
        require(initialBackoffMillis >= 0 && maxBackoffMillis >= 0, "backoff must be >= 0");
        require(timeoutMillis > 0, "timeoutMillis must be > 0");
        require(ALL_EVENTS.containsAll(events), "events must be among " + ALL_EVENTS);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public URI url() {
        return url;
    }

    /** "whsec_" + base64 or plain base64; the HMAC key is the decoded bytes. */
    public String secret() {
        return secret;
    }

    /** At most one progress and one progress_state per prompt per this many ms; 0 sends all. Default: the bridge's, 1000. */
    public long coalesceMillis() {
        return coalesceMillis;
    }

    /** Most envelopes per POST, all of one prompt; above 1 every body is a JSON array. Default: the bridge's, 20. */
    public int batchSize() {
        return batchSize;
    }

    public double dropPercent() {
        return dropPercent;
    }

    public double duplicatePercent() {
        return duplicatePercent;
    }

    public boolean reorder() {
        return reorder;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    public long initialBackoffMillis() {
        return initialBackoffMillis;
    }

    public long maxBackoffMillis() {
        return maxBackoffMillis;
    }

    /** Per-request timeout. */
    public long timeoutMillis() {
        return timeoutMillis;
    }

    /** The event types sent at all, as the bridge's COMFYJOBS_WEBHOOK_EVENTS; default {@link #DEFAULT_EVENTS}. */
    public Set<String> events() {
        return events;
    }

    /** Event types (ComfyUI's, such as "executed") that are lost every time, as if every retry failed. */
    public Set<String> neverSent() {
        return neverSent;
    }

    public static final class Builder {
        private URI url;
        private String secret;
        private long coalesceMillis = DEFAULT_COALESCE_MILLIS;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private double dropPercent;
        private double duplicatePercent;
        private boolean reorder;
        private int maxAttempts = 6;
        private long initialBackoffMillis = 100;
        private long maxBackoffMillis = 5000;
        private long timeoutMillis = 10_000;
        private Set<String> neverSent = Set.of();
        private Set<String> events = DEFAULT_EVENTS;

        private Builder() {
        }

        public Builder url(URI value) {
            url = value;
            return this;
        }

        public Builder url(String value) {
            return url(URI.create(value));
        }

        public Builder secret(String value) {
            secret = value;
            return this;
        }

        public Builder coalesceMillis(long value) {
            coalesceMillis = value;
            return this;
        }

        public Builder batchSize(int value) {
            batchSize = value;
            return this;
        }

        public Builder dropPercent(double value) {
            dropPercent = value;
            return this;
        }

        public Builder duplicatePercent(double value) {
            duplicatePercent = value;
            return this;
        }

        public Builder reorder(boolean value) {
            reorder = value;
            return this;
        }

        public Builder maxAttempts(int value) {
            maxAttempts = value;
            return this;
        }

        public Builder initialBackoffMillis(long value) {
            initialBackoffMillis = value;
            return this;
        }

        public Builder maxBackoffMillis(long value) {
            maxBackoffMillis = value;
            return this;
        }

        public Builder timeoutMillis(long value) {
            timeoutMillis = value;
            return this;
        }

        public Builder neverSend(String... comfyEventTypes) {
            neverSent = Set.of(comfyEventTypes);
            return this;
        }

        /** The event types to send, as the bridge's COMFYJOBS_WEBHOOK_EVENTS; {@link #ALL_EVENTS} for every one. */
        public Builder events(Set<String> comfyEventTypes) {
            events = comfyEventTypes;
            return this;
        }

        public WebhookOptions build() {
            return new WebhookOptions(this);
        }
    }
}
