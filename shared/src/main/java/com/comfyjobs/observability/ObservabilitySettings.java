package com.comfyjobs.observability;

import com.comfyjobs.config.Env;
import java.net.URI;

/**
 * <table>
 * <caption>Environment variables</caption>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>METRICS_NAMESPACE</td><td>ComfyJobs</td><td>CloudWatch namespace of the EMF metrics</td></tr>
 * <tr><td>METRICS_ENABLED</td><td>true</td><td>false silences the EMF records (tests, local runs)</td></tr>
 * <tr><td>POSTHOG_API_KEY</td><td>(none)</td><td>when set, analytics events also go to PostHog</td></tr>
 * <tr><td>POSTHOG_HOST</td><td>https://us.i.posthog.com</td><td>PostHog instance</td></tr>
 * </table>
 */
public record ObservabilitySettings(String namespace, boolean metricsEnabled, String postHogApiKey, URI postHogHost) {
    public static ObservabilitySettings fromEnv(Env env) {
        return new ObservabilitySettings(
                env.string("METRICS_NAMESPACE", "ComfyJobs"),
                env.bool("METRICS_ENABLED", true),
                env.raw("POSTHOG_API_KEY"),
                env.uri("POSTHOG_HOST", "https://us.i.posthog.com", "http", "https"));
    }
}
