package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.functions.http.ApiHandler;
import com.comfyjobs.functions.http.HttpRequests;
import com.comfyjobs.functions.http.HttpResponses;
import com.comfyjobs.functions.http.TemplateJson;
import com.comfyjobs.job.Caller;
import com.comfyjobs.templates.PublishedTemplate;
import com.comfyjobs.templates.TemplateService;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;
import java.util.Map;

/** PUT /templates/{name} (admins): 201 with the new version, or 200 with the version that has this body already. */
public class PublishTemplateHandler extends ApiHandler {
    @Inject
    TemplateService service;

    public PublishTemplateHandler() {
        super();
    }

    public PublishTemplateHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Caller caller) {
        PublishedTemplate p = service.publish(caller, HttpRequests.pathParameter(event, "name"), HttpRequests.body(event));
        if (p.created()) {
            return HttpResponses.json(201, TemplateJson.view(p.template()), Map.of("Location", "/templates/" + p.template().name()));
        }
        return HttpResponses.json(200, TemplateJson.view(p.template()));
    }
}
