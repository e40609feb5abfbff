package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.functions.http.ApiHandler;
import com.comfyjobs.functions.http.HttpRequests;
import com.comfyjobs.functions.http.HttpResponses;
import com.comfyjobs.functions.http.PrimingRequests;
import com.comfyjobs.job.Caller;
import com.comfyjobs.progress.WebhookRehearsal;
import com.comfyjobs.progress.WebhookService;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;

/**
 * POST /webhooks/comfyui: ComfyUI's progress, authenticated by its Standard Webhooks signature (no
 * JWT). 204 when applied, duplicate or about a prompt that is not ours; 401 for a bad or stale
 * signature; 400 for a signed body that is not an envelope.
 */
public class ComfyWebhookHandler extends ApiHandler {
    @Inject
    WebhookService service;

    public ComfyWebhookHandler() {
        super();
    }

    public ComfyWebhookHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    protected boolean requiresCaller() {
        return false;
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Caller unsigned) {
        service.handle(HttpRequests.body(event), HttpRequests.headers(event));
        return HttpResponses.noContent();
    }

    /** A synthetic delivery about a job that cannot exist, signed, verified and read (see {@link WebhookRehearsal}); nothing is written. */
    @Override
    protected void prime() {
        WebhookRehearsal.run(PrimingRequests.NO_JOB);
        HttpResponses.noContent();
    }
}
