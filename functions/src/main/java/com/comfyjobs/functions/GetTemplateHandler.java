package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.functions.http.ApiHandler;
import com.comfyjobs.functions.http.HttpRequests;
import com.comfyjobs.functions.http.HttpResponses;
import com.comfyjobs.functions.http.TemplateJson;
import com.comfyjobs.job.Caller;
import com.comfyjobs.templates.TemplateService;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;

/** GET /templates/{name}: the template's latest version; 404 for one not published or retired. */
public class GetTemplateHandler extends ApiHandler {
    @Inject
    TemplateService service;

    public GetTemplateHandler() {
        super();
    }

    public GetTemplateHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Caller caller) {
        return HttpResponses.json(200, TemplateJson.view(service.get(HttpRequests.pathParameter(event, "name"))));
    }
}
