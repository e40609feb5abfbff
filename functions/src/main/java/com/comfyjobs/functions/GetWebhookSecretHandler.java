package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.callbacks.WebhookSecretService;
import com.comfyjobs.functions.http.ApiHandler;
import com.comfyjobs.functions.http.WebhookSecretJson;
import com.comfyjobs.job.Caller;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;

/** GET /webhook-secret: 200 with the secret the caller's callbacks are signed with, made on first use. */
public class GetWebhookSecretHandler extends ApiHandler {
    @Inject
    WebhookSecretService service;

    public GetWebhookSecretHandler() {
        super();
    }

    public GetWebhookSecretHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Caller caller) {
        return WebhookSecretJson.ok(service.current(caller.userId()));
    }
}
