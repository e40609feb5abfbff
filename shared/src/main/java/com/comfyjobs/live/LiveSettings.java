package com.comfyjobs.live;

import com.comfyjobs.config.Env;
import java.net.URI;
import java.util.Optional;

/**
 * Where pushes go.
 *
 * <table>
 * <caption>Environment variables</caption>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>WEBSOCKET_ENDPOINT</td><td>(none: no pushes)</td><td>the WebSocket API's stage URL, where the API Gateway
 * Management API takes {@code POST /@connections/{id}} (https://ID.execute-api.REGION.amazonaws.com/STAGE; the local
 * stack's own endpoint in local runs)</td></tr>
 * </table>
 */
public record LiveSettings(Optional<URI> endpoint, String region) {
    public static LiveSettings fromEnv(Env env) {
        return new LiveSettings(Optional.ofNullable(env.uri("WEBSOCKET_ENDPOINT", null, "http", "https")),
                env.string("AWS_REGION", "us-east-1"));
    }
}
