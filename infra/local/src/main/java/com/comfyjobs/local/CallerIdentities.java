package com.comfyjobs.local;

import java.util.Optional;
import java.util.function.Function;

/**
 * Who a request to the local APIs is from, standing in for the authorizers in front of the functions in
 * AWS (the HTTP API's JWT authorizer, the WebSocket API's token authorizer). Empty refuses the request
 * with 401 before any function runs.
 */
interface CallerIdentities {
    /** From an HTTP request's headers (the lookup ignores the name's case). */
    Optional<LocalCaller> ofHttp(Function<String, String> header);

    /** From a WebSocket upgrade's query parameters. */
    Optional<LocalCaller> ofWebSocket(Function<String, String> queryParameter);

    /** How a caller names itself, for the banner. */
    String howToCall();

    /** What the jobs page asks a caller for: {@code user} (a name, sent as X-Dev-User) or {@code key} (an API key). */
    String credential();

    /** A caller as an authorizer vouches for it. */
    record LocalCaller(String user, boolean admin) {
    }
}
