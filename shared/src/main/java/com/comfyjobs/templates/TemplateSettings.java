package com.comfyjobs.templates;

import com.comfyjobs.config.Env;
import java.time.Duration;

/**
 * How templates are served.
 *
 * <table>
 * <caption>Environment variables</caption>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>TEMPLATE_CACHE_SECONDS</td><td>30</td><td>how long a container reuses a template it read (0-30): a
 * publish or retire reaches every container within this time (the container that made it at once)</td></tr>
 * </table>
 */
public record TemplateSettings(Duration cacheFor) {
    public static final Duration MAX_CACHE = Duration.ofSeconds(30);

    public static TemplateSettings fromEnv(Env env) {
        return new TemplateSettings(env.seconds("TEMPLATE_CACHE_SECONDS", MAX_CACHE, Duration.ZERO, MAX_CACHE));
    }
}
