package com.comfyjobs.functions.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.callbacks.WebhookSecret;
import com.comfyjobs.query.JobJson;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * A caller's callback signing secret as GET and POST /webhook-secret answer it:
 * {@code {"secret": "whsec_...", "previousSecretValidUntil": "..."}} (the second only for a day after a
 * rotation), never stored by a cache on the way.
 */
public final class WebhookSecretJson {
    private WebhookSecretJson() {
    }

    public static APIGatewayV2HTTPResponse ok(WebhookSecret s) {
        ObjectNode o = HttpResponses.object().put("secret", s.secret());
        if (s.previousValidUntil() != null) {
            o.put("previousSecretValidUntil", JobJson.timestamp(s.previousValidUntil()));
        }
        return HttpResponses.json(200, o, Map.of("Cache-Control", "no-store"));
    }
}
