package com.comfyjobs.inputs;

import com.comfyjobs.config.Env;
import java.time.Duration;

/**
 * Limits on the images a job takes.
 *
 * <table>
 * <caption>Environment variables</caption>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>INPUT_IMAGE_MAX_BYTES</td><td>20971520</td><td>largest input image (an upload, a URL's body, a decoded data URI);
 * a data URI also counts in MAX_REQUEST_BYTES</td></tr>
 * <tr><td>UPLOAD_TTL_HOURS</td><td>24</td><td>an upload not used within this many hours of its PUT is refused as unknown
 * (the bucket's lifecycle rule deletes uploads after two days)</td></tr>
 * </table>
 */
public record InputSettings(long maxImageBytes, Duration uploadTtl) {
    /** An image URL gets this long to connect, this long between two reads, and this long for the whole body. */
    public static final Duration URL_CONNECT_TIMEOUT = Duration.ofSeconds(3);
    public static final Duration URL_READ_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration URL_DEADLINE = Duration.ofSeconds(15);

    public static InputSettings fromEnv(Env env) {
        return new InputSettings(
                env.integer("INPUT_IMAGE_MAX_BYTES", 20 * 1024 * 1024, 1024, 100 * 1024 * 1024),
                Duration.ofHours(env.integer("UPLOAD_TTL_HOURS", 24, 1, 24)));
    }
}
