package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.callbacks.WebhookSecretService;
import com.comfyjobs.functions.http.ApiHandler;
import com.comfyjobs.functions.http.ApiProblem;
import com.comfyjobs.functions.http.HttpRequests;
import com.comfyjobs.functions.http.WebhookSecretJson;
import com.comfyjobs.job.Caller;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;

/**
 * POST /webhook-secret: 200 with a new signing secret; for a day the one it replaces signs too. It
 * takes no body (an empty one or {}): anything else is 400 and rotates nothing, so a request meant
 * for another route never rotates a secret by accident.
 */
public class RotateWebhookSecretHandler extends ApiHandler {
    @Inject
    WebhookSecretService service;

    public RotateWebhookSecretHandler() {
        super();
    }

    public RotateWebhookSecretHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Caller caller) {
        String body = new String(HttpRequests.body(event), StandardCharsets.UTF_8).strip();
        if (!body.isEmpty() && !body.equals("{}")) {
            throw ApiProblem.badRequest("POST /webhook-secret takes no body (or {}); it rotates the caller's signing secret");
        }
        return WebhookSecretJson.ok(service.rotate(caller.userId()));
    }
}
