package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.functions.http.ApiHandler;
import com.comfyjobs.functions.http.HttpResponses;
import com.comfyjobs.functions.http.TemplateJson;
import com.comfyjobs.job.Caller;
import com.comfyjobs.templates.TemplateService;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;

/** GET /templates: the latest version of every template not retired, by name. */
public class ListTemplatesHandler extends ApiHandler {
    @Inject
    TemplateService service;

    public ListTemplatesHandler() {
        super();
    }

    public ListTemplatesHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Caller caller) {
        return HttpResponses.json(200, TemplateJson.list(service.list()));
    }
}
