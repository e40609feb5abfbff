package com.comfyjobs.observability;

import com.comfyjobs.config.Env;
import java.net.URI;
import java.util.function.Supplier;

/**
 * <table>
 * <caption>Environment variables</caption>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>METRICS_NAMESPACE</td><td>ComfyJobs</td><td>CloudWatch namespace of the EMF metrics</td></tr>
 * <tr><td>METRICS_ENABLED</td><td>true</td><td>false silences the EMF records (tests, local runs)</td></tr>
 * <tr><td>POSTHOG_HOST</td><td>https://us.i.posthog.com</td><td>PostHog instance</td></tr>
 * </table>
 *
 * <p>The PostHog key is a secret (POSTHOG_API_KEY_SECRET_ARN, or POSTHOG_API_KEY in local runs), so
 * its caller reads it through the secrets and hands it in; when there is none, analytics events go
 * to the log only.
 *
 * @param postHogApiKey the key's current value, asked for on every event; null when PostHog is off
 */
public record ObservabilitySettings(String namespace, boolean metricsEnabled, Supplier<String> postHogApiKey, URI postHogHost) {
    public static ObservabilitySettings fromEnv(Env env, Supplier<String> postHogApiKey) {
        return new ObservabilitySettings(
                env.string("METRICS_NAMESPACE", "ComfyJobs"),
                env.bool("METRICS_ENABLED", true),
                postHogApiKey,
                env.uri("POSTHOG_HOST", "https://us.i.posthog.com", "http", "https"));
    }
}
